package org.nnvm4j.backend.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import org.bytedeco.llvm.LLVM.LLVMBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMContextRef;
import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;
import org.nnvm4j.tensor.DType;

/** C-semantics conversions between dtypes in LLVM IR. */
final class LlvmCasts {
  private LlvmCasts() {}

  static LLVMValueRef cast(LLVMBuilderRef b, LLVMContextRef ctx, LLVMValueRef v, DType from, DType to, LLVMTypeRef toType) {
    if (from.equals(to)) return v;
    if (from.code() == DType.Code.BFLOAT) from = DType.F32.withLanes(from.lanes()); // held as float32
    if (to.code() == DType.Code.BFLOAT) {
      LLVMValueRef f = cast(b, ctx, v, from, DType.F32.withLanes(to.lanes()), toType);
      return LlvmBFloat16.round(b, ctx, f, to.lanes());
    }
    if (from.equals(to)) return v;
    if (to.isBool()) {
      LLVMValueRef zero = LLVMConstNull(LLVMTypeOf(v));
      return from.isFloat() ? LLVMBuildFCmp(b, LLVMRealUNE, v, zero, "") : LLVMBuildICmp(b, LLVMIntNE, v, zero, "");
    }
    if (from.isFloat() && to.isFloat()) {
      return from.bits() < to.bits() ? LLVMBuildFPExt(b, v, toType, "") : LLVMBuildFPTrunc(b, v, toType, "");
    }
    if (from.isFloat()) return to.isUInt() ? LLVMBuildFPToUI(b, v, toType, "") : LLVMBuildFPToSI(b, v, toType, "");
    if (to.isFloat()) {
      return from.isUInt() ? LLVMBuildUIToFP(b, v, toType, "") : LLVMBuildSIToFP(b, v, toType, "");
    }
    if (from.bits() == to.bits()) return v;
    if (from.bits() > to.bits()) return LLVMBuildTrunc(b, v, toType, "");
    return from.isUInt() ? LLVMBuildZExt(b, v, toType, "") : LLVMBuildSExt(b, v, toType, "");
  }
}
