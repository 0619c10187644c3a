package org.nnvm4j.backend.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import org.bytedeco.llvm.LLVM.LLVMBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMContextRef;
import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * bfloat16 as a storage type (see {@code org.nnvm4j.tensor.BFloat16}): registers hold float32, memory
 * holds the 16 high bits; float32 to bfloat16 rounds to nearest even with integer operations, so no
 * runtime library routine is needed (libgcc 12 has none for bfloat16).
 */
final class LlvmBFloat16 {
  private LlvmBFloat16() {}

  private static LLVMTypeRef vec(LLVMTypeRef t, int lanes) { return lanes == 1 ? t : LLVMVectorType(t, lanes); }

  private static LLVMValueRef splat(LLVMTypeRef t, long v, int lanes) {
    LLVMValueRef c = LLVMConstInt(t, v, 0);
    if (lanes == 1) return c;
    LLVMValueRef[] all = new LLVMValueRef[lanes];
    java.util.Arrays.fill(all, c);
    org.bytedeco.javacpp.PointerPointer<LLVMValueRef> p = new org.bytedeco.javacpp.PointerPointer<>(all);
    return LLVMConstVector(p, lanes);
  }

  /** float32 value(s) from bfloat16 bits (i16 or a vector of i16). */
  static LLVMValueRef fromBits(LLVMBuilderRef b, LLVMContextRef ctx, LLVMValueRef bits, int lanes) {
    LLVMTypeRef i32 = vec(LLVMInt32TypeInContext(ctx), lanes);
    LLVMValueRef wide = LLVMBuildShl(b, LLVMBuildZExt(b, bits, i32, ""), splat(LLVMInt32TypeInContext(ctx), 16, lanes), "");
    return LLVMBuildBitCast(b, wide, vec(LLVMFloatTypeInContext(ctx), lanes), "");
  }

  /** bfloat16 bits nearest to float32 value(s), ties to even; NaN stays a quiet NaN. */
  static LLVMValueRef toBits(LLVMBuilderRef b, LLVMContextRef ctx, LLVMValueRef f, int lanes) {
    LLVMTypeRef i32s = LLVMInt32TypeInContext(ctx);
    LLVMValueRef bits = LLVMBuildBitCast(b, f, vec(i32s, lanes), "");
    LLVMValueRef high = LLVMBuildLShr(b, bits, splat(i32s, 16, lanes), "");
    LLVMValueRef bias = LLVMBuildAdd(b, LLVMBuildAnd(b, high, splat(i32s, 1, lanes), ""), splat(i32s, 0x7FFF, lanes), "");
    LLVMValueRef rounded = LLVMBuildLShr(b, LLVMBuildAdd(b, bits, bias, ""), splat(i32s, 16, lanes), "");
    LLVMValueRef nan = LLVMBuildOr(b, high, splat(i32s, 0x40, lanes), "");
    LLVMValueRef isNan = LLVMBuildFCmp(b, LLVMRealUNO, f, f, "");
    return LLVMBuildTrunc(b, LLVMBuildSelect(b, isNan, nan, rounded, ""), vec(LLVMInt16TypeInContext(ctx), lanes), "");
  }

  /** float32 value(s) rounded to bfloat16 precision. */
  static LLVMValueRef round(LLVMBuilderRef b, LLVMContextRef ctx, LLVMValueRef f, int lanes) {
    return fromBits(b, ctx, toBits(b, ctx, f, lanes), lanes);
  }
}
