package org.nnvm4j.backend.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import org.bytedeco.llvm.LLVM.LLVMBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMContextRef;
import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.*;

/**
 * Binary operators in LLVM IR with TVM's semantics: 32- and 64-bit signed add/sub/mul carry
 * {@code nsw} (overflow is undefined, as in C and TVM, which lets LLVM vectorize index arithmetic);
 * 8- and 16-bit integers and unsigned ones wrap; division and modulo truncate (C); floor division
 * and modulo round toward negative infinity.
 */
final class LlvmArith {
  private LlvmArith() {}

  /** Calls an overloaded LLVM intrinsic. */
  interface Intrinsic { LLVMValueRef call(String name, LLVMTypeRef t, LLVMValueRef... args); }

  static LLVMValueRef binary(LLVMBuilderRef b, LLVMContextRef ctx, BinaryExpr n, LLVMValueRef x, LLVMValueRef y,
      LLVMTypeRef t, Intrinsic intrinsic) {
    DType dt = n.a().dtype();
    if (dt.isFloat()) {
      return switch (n) {
        case Add o -> LLVMBuildFAdd(b, x, y, "");
        case Sub o -> LLVMBuildFSub(b, x, y, "");
        case Mul o -> LLVMBuildFMul(b, x, y, "");
        case Div o -> LLVMBuildFDiv(b, x, y, "");
        case Mod o -> LLVMBuildFRem(b, x, y, "");
        case FloorDiv o -> intrinsic.call("llvm.floor", t, LLVMBuildFDiv(b, x, y, ""));
        case FloorMod o -> LLVMBuildFSub(b, x, LLVMBuildFMul(b, intrinsic.call("llvm.floor", t, LLVMBuildFDiv(b, x, y, "")), y, ""), "");
        case Min o -> LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, x, y, ""), x, y, "");
        case Max o -> LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, x, y, ""), x, y, "");
        case EQ o -> LLVMBuildFCmp(b, LLVMRealOEQ, x, y, "");
        case NE o -> LLVMBuildFCmp(b, LLVMRealUNE, x, y, "");
        case LT o -> LLVMBuildFCmp(b, LLVMRealOLT, x, y, "");
        case LE o -> LLVMBuildFCmp(b, LLVMRealOLE, x, y, "");
        case GT o -> LLVMBuildFCmp(b, LLVMRealOGT, x, y, "");
        case GE o -> LLVMBuildFCmp(b, LLVMRealOGE, x, y, "");
        case And o -> LLVMBuildAnd(b, x, y, "");
        case Or o -> LLVMBuildOr(b, x, y, "");
      };
    }
    boolean u = dt.isUInt();
    boolean nsw = dt.isInt() && dt.bits() >= 32; // index arithmetic; narrower ints wrap
    return switch (n) {
      case Add o -> nsw ? LLVMBuildNSWAdd(b, x, y, "") : LLVMBuildAdd(b, x, y, "");
      case Sub o -> nsw ? LLVMBuildNSWSub(b, x, y, "") : LLVMBuildSub(b, x, y, "");
      case Mul o -> nsw ? LLVMBuildNSWMul(b, x, y, "") : LLVMBuildMul(b, x, y, "");
      case Div o -> u ? LLVMBuildUDiv(b, x, y, "") : LLVMBuildSDiv(b, x, y, "");
      case Mod o -> u ? LLVMBuildURem(b, x, y, "") : LLVMBuildSRem(b, x, y, "");
      case FloorDiv o -> u ? LLVMBuildUDiv(b, x, y, "") : floorDiv(b, x, y);
      case FloorMod o -> u ? LLVMBuildURem(b, x, y, "") : floorMod(b, x, y);
      case Min o -> LLVMBuildSelect(b, LLVMBuildICmp(b, u ? LLVMIntULT : LLVMIntSLT, x, y, ""), x, y, "");
      case Max o -> LLVMBuildSelect(b, LLVMBuildICmp(b, u ? LLVMIntUGT : LLVMIntSGT, x, y, ""), x, y, "");
      case EQ o -> LLVMBuildICmp(b, LLVMIntEQ, x, y, "");
      case NE o -> LLVMBuildICmp(b, LLVMIntNE, x, y, "");
      case LT o -> LLVMBuildICmp(b, u ? LLVMIntULT : LLVMIntSLT, x, y, "");
      case LE o -> LLVMBuildICmp(b, u ? LLVMIntULE : LLVMIntSLE, x, y, "");
      case GT o -> LLVMBuildICmp(b, u ? LLVMIntUGT : LLVMIntSGT, x, y, "");
      case GE o -> LLVMBuildICmp(b, u ? LLVMIntUGE : LLVMIntSGE, x, y, "");
      case And o -> LLVMBuildAnd(b, x, y, "");
      case Or o -> LLVMBuildOr(b, x, y, "");
    };
  }

  /** q = x / y rounded down: the truncated quotient minus one when the remainder's sign differs from y's. */
  private static LLVMValueRef floorDiv(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) {
    LLVMValueRef q = LLVMBuildSDiv(b, x, y, "");
    LLVMValueRef r = LLVMBuildSRem(b, x, y, "");
    LLVMValueRef adjust = needsAdjust(b, r, y);
    return LLVMBuildSub(b, q, LLVMBuildZExt(b, adjust, LLVMTypeOf(q), ""), "");
  }

  private static LLVMValueRef floorMod(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) {
    LLVMValueRef r = LLVMBuildSRem(b, x, y, "");
    return LLVMBuildSelect(b, needsAdjust(b, r, y), LLVMBuildAdd(b, r, y, ""), r, "");
  }

  private static LLVMValueRef needsAdjust(LLVMBuilderRef b, LLVMValueRef r, LLVMValueRef y) {
    LLVMValueRef zero = LLVMConstNull(LLVMTypeOf(r));
    LLVMValueRef nonZero = LLVMBuildICmp(b, LLVMIntNE, r, zero, "");
    LLVMValueRef signsDiffer = LLVMBuildICmp(b, LLVMIntNE, LLVMBuildICmp(b, LLVMIntSLT, r, zero, ""),
        LLVMBuildICmp(b, LLVMIntSLT, y, zero, ""), "");
    return LLVMBuildAnd(b, nonZero, signsDiffer, "");
  }
}
