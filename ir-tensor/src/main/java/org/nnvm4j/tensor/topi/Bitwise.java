package org.nnvm4j.tensor.topi;

import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;

/**
 * Bit shifts of unsigned integers, written with the arithmetic every backend has: {@code x << y} is
 * {@code x * 2^y} (unsigned multiplication wraps) and {@code x >> y} is {@code x / 2^y} (unsigned
 * division), where {@code 2^y} is the product of {@code 2^(2^b)} over the set bits {@code b} of
 * {@code y}. A shift by the bit width or more gives 0.
 */
public final class Bitwise {
  private Bitwise() {}

  /** {@code x << y} ({@code left}) or {@code x >> y} for unsigned {@code x} and {@code y} of one dtype. */
  public static Expr shift(Expr x, Expr y, boolean left) {
    DType t = x.dtype();
    if (!t.isUInt() || !y.dtype().equals(t)) throw CompileException.invalid("bit shifts need unsigned operands of one dtype, got %s and %s", t, y.dtype());
    Expr pow = IrOps.one(t);
    for (int b = 0; 1 << b < t.bits(); b++) {
      Expr bit = IrOps.floorMod(IrOps.floorDiv(y, IrOps.intImm(t, 1L << b)), IrOps.intImm(t, 2));
      pow = IrOps.mul(pow, IrOps.select(IrOps.eq(bit, IrOps.one(t)), IrOps.intImm(t, 1L << (1 << b)), IrOps.one(t)));
    }
    Expr shifted = left ? IrOps.mul(x, pow) : IrOps.div(x, pow);
    return IrOps.select(IrOps.lt(y, IrOps.intImm(t, t.bits())), shifted, IrOps.zero(t));
  }
}
