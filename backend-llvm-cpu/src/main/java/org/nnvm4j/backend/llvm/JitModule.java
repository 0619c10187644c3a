package org.nnvm4j.backend.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.llvm.LLVM.LLVMMemoryBufferRef;
import org.bytedeco.llvm.LLVM.LLVMModuleRef;
import org.bytedeco.llvm.LLVM.LLVMOrcDefinitionGeneratorRef;
import org.bytedeco.llvm.LLVM.LLVMOrcLLJITBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMOrcLLJITRef;
import org.bytedeco.llvm.LLVM.LLVMOrcThreadSafeContextRef;
import org.bytedeco.llvm.LLVM.LLVMTargetMachineRef;
import org.nnvm4j.backend.FunctionSignature;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.diag.BackendUnavailableException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.InternalCompilerError;

/**
 * Functions compiled in process by ORC LLJIT. Keeps a copy of the optimized LLVM module for
 * {@link #source} ({@code ll}, {@code asm}) and {@link #export} (object file linked into
 * {@code libmodule.so} with the system {@code cc}).
 */
final class JitModule extends CpuModule {
  private final LLVMOrcThreadSafeContextRef tsc;
  private final LLVMOrcLLJITRef jit;
  private final LLVMModuleRef kept;
  private final LLVMTargetMachineRef tm;
  private final String optimizedIr;
  private final Map<FunctionSignature, List<String>> manifest;
  private final CompileTimes times;
  private final boolean openMp;

  /** Wall-clock milliseconds of each compilation phase. */
  record CompileTimes(double buildIr, double optimize, double jit) {
    double total() { return buildIr + optimize + jit; }
  }

  JitModule(Target target, LLVMOrcThreadSafeContextRef tsc, LLVMModuleRef optimized, LLVMTargetMachineRef tm,
      LLVMTargetMachineRef jitTm, Map<FunctionSignature, List<String>> manifest, boolean openMp, double buildMs,
      double optMs) {
    super(target);
    this.openMp = openMp;
    this.tsc = tsc;
    this.tm = tm;
    this.manifest = new LinkedHashMap<>(manifest);
    long t0 = System.nanoTime();
    this.optimizedIr = LlvmNative.takeString(LLVMPrintModuleToString(optimized));
    this.kept = LLVMCloneModule(optimized);
    LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
    LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(jitTm));
    this.jit = new LLVMOrcLLJITRef();
    LlvmNative.check(LLVMOrcCreateLLJIT(jit, builder), "LLJIT creation");
    LLVMOrcDefinitionGeneratorRef gen = new LLVMOrcDefinitionGeneratorRef();
    LlvmNative.check(LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(gen, LLVMOrcLLJITGetGlobalPrefix(jit), null, null),
        "process symbol generator");
    LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(jit), gen);
    LLVMOrcDefinitionGeneratorRef libgcc = new LLVMOrcDefinitionGeneratorRef();
    LlvmNative.check(LLVMOrcCreateDynamicLibrarySearchGeneratorForPath(libgcc, new BytePointer(LlvmNative.systemLibrary("libgcc_s.so.1")),
        LLVMOrcLLJITGetGlobalPrefix(jit), null, null), "loading libgcc_s for float16 conversions");
    LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(jit), libgcc);
    if (openMp) {
      LLVMOrcDefinitionGeneratorRef gomp = new LLVMOrcDefinitionGeneratorRef();
      LlvmNative.check(LLVMOrcCreateDynamicLibrarySearchGeneratorForPath(gomp, new BytePointer(LlvmNative.systemLibrary("libgomp.so.1")),
          LLVMOrcLLJITGetGlobalPrefix(jit), null, null), "loading libgomp for parallel loops");
      LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(jit), gomp);
    }
    LlvmNative.check(LLVMOrcLLJITAddLLVMIRModule(jit, LLVMOrcLLJITGetMainJITDylib(jit),
        LLVMOrcCreateNewThreadSafeModule(optimized, tsc)), "adding the module to the JIT");
    for (Map.Entry<FunctionSignature, List<String>> e : manifest.entrySet()) {
      LongPointer addr = new LongPointer(1);
      LlvmNative.check(LLVMOrcLLJITLookup(jit, addr, e.getKey().name()), "lookup of " + e.getKey().name());
      functions.put(e.getKey().name(), new NativeFunction(e.getKey(), MemorySegment.ofAddress(addr.get()), e.getValue(),
          this::isOpen));
    }
    this.times = new CompileTimes(buildMs, optMs, (System.nanoTime() - t0) / 1e6);
  }

  CompileTimes compileTimes() { return times; }

  @Override public List<String> sourceFormats() { return List.of("ll", "asm"); }

  @Override
  public String source(String format) {
    checkOpen();
    return switch (format) {
      case "ll" -> optimizedIr;
      case "asm" -> new String(emit(LLVMAssemblyFile), java.nio.charset.StandardCharsets.UTF_8);
      default -> throw org.nnvm4j.pass.diag.CompileException.invalid("the llvm backend has source formats %s, not '%s'",
          sourceFormats(), format);
    };
  }

  private synchronized byte[] emit(int fileType) {
    BytePointer err = new BytePointer();
    LLVMMemoryBufferRef buf = new LLVMMemoryBufferRef();
    LLVMModuleRef clone = LLVMCloneModule(kept);
    try {
      if (LLVMTargetMachineEmitToMemoryBuffer(tm, clone, fileType, err, buf) != 0) {
        throw new InternalCompilerError("LLVM code emission failed: " + LlvmNative.takeString(err));
      }
      BytePointer start = LLVMGetBufferStart(buf);
      byte[] out = new byte[(int) LLVMGetBufferSize(buf)];
      start.get(out);
      LLVMDisposeMemoryBuffer(buf);
      return out;
    } finally {
      LLVMDisposeModule(clone);
    }
  }

  @Override
  public void export(Path dir) {
    checkOpen();
    try {
      Files.createDirectories(dir);
      Path obj = dir.resolve("module.o");
      Files.write(obj, emit(LLVMObjectFile));
      Path lib = dir.resolve(ModuleManifest.LIBRARY);
      List<String> cmd = new java.util.ArrayList<>(List.of("cc", "-shared", "-o", lib.toString(), obj.toString(), "-lm"));
      if (openMp) cmd.add("-lgomp");
      Process p = new ProcessBuilder(cmd)
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new InternalCompilerError("linking " + lib + " failed: " + out);
      }
      Files.delete(obj);
      new ModuleManifest(target.toString(), manifest).write(dir);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().contains("Cannot run program \"cc\"")) {
        throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE,
            "exporting a shared library needs a C compiler driver 'cc' on the PATH (apt-get install gcc)", e);
      }
      throw new java.io.UncheckedIOException("cannot export module to " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InternalCompilerError("interrupted while linking", e);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    functions.clear();
    LLVMOrcDisposeLLJIT(jit);
    LLVMDisposeModule(kept);
    LLVMDisposeTargetMachine(tm);
    LLVMOrcDisposeThreadSafeContext(tsc);
  }

}
