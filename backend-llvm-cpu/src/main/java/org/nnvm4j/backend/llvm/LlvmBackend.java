package org.nnvm4j.backend.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.llvm.LLVM.LLVMModuleRef;
import org.bytedeco.llvm.LLVM.LLVMOrcThreadSafeContextRef;
import org.bytedeco.llvm.LLVM.LLVMPassBuilderOptionsRef;
import org.bytedeco.llvm.LLVM.LLVMTargetMachineRef;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.FunctionSignature;
import org.nnvm4j.backend.Lowering;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.backend.Target;
import org.nnvm4j.graph.pass.AlterOpLayout;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.PrimFunc;

/** The {@code llvm} backend for one target: host CPU unless {@code -mcpu}/{@code -mattr} say otherwise. */
public final class LlvmBackend implements Backend, Lowering {
  private static final System.Logger LOG = System.getLogger(LlvmBackend.class.getName());

  private final Target target;
  private final String triple;
  private final String cpu;
  private final String features;
  private final int numThreads;
  private final CpuRuntime runtime = new CpuRuntime();

  LlvmBackend(Target target) {
    LlvmNative.init();
    this.target = target;
    this.triple = target.attr("mtriple", LlvmNative.hostTriple());
    this.cpu = target.attr("mcpu", LlvmNative.hostCpu());
    this.features = target.attr("mattr", target.attrs().containsKey("mcpu") ? "" : LlvmNative.hostFeatures());
    this.numThreads = Integer.parseInt(target.attr("num-threads", "0"));
  }

  @Override public Target target() { return target; }

  @Override public Lowering lowering() { return this; }

  @Override public Runtime runtime() { return runtime; }

  @Override public Module loadModule(Path dir) { return new LoadedModule(dir); }

  /** The x86 strategy ({@link X86Schedules}): register-tiled dense and conv2d, vectorized and parallel elsewhere. */
  @Override
  public Schedule schedule(ScheduleRequest request) { return X86Schedules.schedule(request); }

  /** Weight-packing computes of {@code dense} and {@code conv2d} ({@link X86Computes}); the generic one elsewhere. */
  @Override
  public Optional<List<Tensor>> compute(String op, Map<String, String> attrs, List<Tensor> inputs) {
    return X86Computes.compute(op, attrs, inputs);
  }

  /** AlterOpLayout on x86 ({@link X86Computes#alterOpLayout}): conv2d to conv2d_NCHWc, dense to dense_pack, weights prepacked. */
  @Override
  public Optional<AlterOpLayout.Proposal> alterOpLayout(String op, Map<String, String> attrs, List<Shape> inputShapes,
      List<DType> inputTypes) {
    return X86Computes.alterOpLayout(op, attrs, inputShapes, inputTypes);
  }

  @Override
  public Module codegen(List<PrimFunc> functions, PassContext ctx) {
    long t0 = System.nanoTime();
    LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
    CpuCodegen cg = new CpuCodegen(LLVMOrcThreadSafeContextGetContext(tsc), "nnvm4j", cpu, features, numThreads,
        target.attr("fp-contract", "off").equals("fast"));
    LLVMModuleRef m = cg.module();
    Map<FunctionSignature, List<String>> manifest = new LinkedHashMap<>();
    LLVMTargetMachineRef tm = null;
    try {
      for (PrimFunc f : functions) {
        FunctionSignature sig = FunctionSignature.of(f);
        cg.addFunction(f);
        manifest.put(sig, cg.assertMessages().get(f.name()));
      }
      cg.dispose();
      BytePointer err = new BytePointer();
      if (LLVMVerifyModule(m, LLVMReturnStatusAction, err) != 0) {
        String msg = LlvmNative.takeString(err);
        throw new InternalCompilerError("generated LLVM IR does not verify: " + msg + "\n"
            + LlvmNative.takeString(LLVMPrintModuleToString(m)));
      }
      tm = LlvmNative.targetMachine(triple, cpu, features);
      LLVMSetTarget(m, triple);
      LLVMSetModuleDataLayout(m, LLVMCreateTargetDataLayout(tm));
      double buildMs = (System.nanoTime() - t0) / 1e6;
      long t1 = System.nanoTime();
      LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
      LLVMPassBuilderOptionsSetLoopVectorization(opts, 1);
      LLVMPassBuilderOptionsSetSLPVectorization(opts, 1);
      LLVMPassBuilderOptionsSetLoopUnrolling(opts, 1);
      String pipeline = ctx.optLevel() == 0 ? "default<O1>" : "default<O3>";
      LlvmNative.check(LLVMRunPasses(m, pipeline, tm, opts), "optimization " + pipeline);
      LLVMDisposePassBuilderOptions(opts);
      double optMs = (System.nanoTime() - t1) / 1e6;
      JitModule jm = new JitModule(target, tsc, m, tm, LlvmNative.targetMachine(triple, cpu, features), manifest,
          cg.usesOpenMp(), buildMs, optMs);
      LOG.log(Level.DEBUG, () -> String.format("llvm codegen of %d functions: %s", functions.size(), jm.compileTimes()));
      return jm;
    } catch (RuntimeException e) {
      if (tm != null) LLVMDisposeTargetMachine(tm);
      LLVMOrcDisposeThreadSafeContext(tsc);
      throw e;
    }
  }

  /** How long the last phases of {@code module}'s compilation took, in ms: IR build, O3, JIT. */
  public static double[] compileTimesMs(Module module) {
    if (!(module instanceof JitModule jm)) throw CompileException.invalid("not a JIT-compiled llvm module");
    JitModule.CompileTimes t = jm.compileTimes();
    return new double[] {t.buildIr(), t.optimize(), t.jit()};
  }

  @Override public void close() {}
}
