package org.nnvm4j.backend.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.llvm.LLVM.LLVMErrorRef;
import org.bytedeco.llvm.LLVM.LLVMTargetMachineRef;
import org.bytedeco.llvm.LLVM.LLVMTargetRef;
import org.nnvm4j.pass.diag.BackendUnavailableException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.InternalCompilerError;

/**
 * Loading and initializing LLVM, once per process, and small helpers around its C API. Nothing here
 * runs before a backend is created.
 */
public final class LlvmNative {
  private static volatile boolean initialized;

  private LlvmNative() {}

  /**
   * Loads libLLVM and initializes the native target.
   *
   * @throws BackendUnavailableException when the natives cannot be loaded
   */
  public static synchronized void init() {
    if (initialized) return;
    try {
      LLVMInitializeNativeTarget();
      LLVMInitializeNativeAsmPrinter();
      LLVMInitializeNativeAsmParser();
    } catch (LinkageError e) {
      throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE,
          "cannot load the bytedeco LLVM natives (org.bytedeco:llvm:linux-x86_64 must be on the class path): " + e, e);
    }
    initialized = true;
  }

  /** The host's target triple, e.g. {@code x86_64-unknown-linux-gnu}. */
  public static String hostTriple() { return takeString(LLVMGetDefaultTargetTriple()); }

  /** The host CPU name, e.g. {@code rocketlake}. */
  public static String hostCpu() { return takeString(LLVMGetHostCPUName()); }

  /** The host CPU's features, e.g. {@code +avx2,+fma,...}. */
  public static String hostFeatures() { return takeString(LLVMGetHostCPUFeatures()); }

  /**
   * The path of a system library that generated code calls: {@code libgomp.so.1} (parallel loops),
   * {@code libgcc_s.so.1} (float16 conversions), loaded for the rest of the process
   * ({@link org.nnvm4j.backend.NativeProbe#pinLibrary}): LLJIT's library generator closes its handle when
   * a module is closed, and libgomp's idle workers would then spin in unmapped code.
   *
   * @throws BackendUnavailableException naming the library when it is missing
   */
  public static String systemLibrary(String name) {
    java.nio.file.Path p = org.nnvm4j.backend.NativeProbe.findLibrary(name);
    if (p == null || !org.nnvm4j.backend.NativeProbe.pinLibrary(name)) {
      throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, "generated code needs " + name
          + " (Debian: libgomp1 or libgcc-s1), which is not installed");
    }
    return p.toString();
  }

  /** A new PIC target machine at O3; the caller disposes it. */
  public static LLVMTargetMachineRef targetMachine(String triple, String cpu, String features) {
    LLVMTargetRef target = new LLVMTargetRef();
    BytePointer err = new BytePointer();
    if (LLVMGetTargetFromTriple(new BytePointer(triple), target, err) != 0) {
      String msg = takeString(err);
      throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, "LLVM has no target for " + triple + ": " + msg);
    }
    return LLVMCreateTargetMachine(target, triple, cpu, features, LLVMCodeGenLevelAggressive, LLVMRelocPIC,
        LLVMCodeModelDefault);
  }

  /** Throws an {@link InternalCompilerError} with LLVM's message when {@code err} is set. */
  public static void check(LLVMErrorRef err, String what) {
    if (err != null && !err.isNull()) {
      throw new InternalCompilerError("LLVM " + what + " failed: " + takeString(LLVMGetErrorMessage(err)));
    }
  }

  /** The string of an LLVM-allocated message, which is then disposed. */
  static String takeString(BytePointer p) {
    if (p == null || p.isNull()) return "";
    String s = p.getString();
    LLVMDisposeMessage(p);
    return s;
  }
}
