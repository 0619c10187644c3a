package org.nnvm4j.tensor.topi;

import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;

/** Helpers the operator computes share: constant shapes and in-bounds index clamping. */
public final class Topi {
  private Topi() {}

  /** The dimensions of {@code t}, which must all be constants. */
  public static long[] constShape(Tensor t, String op) {
    long[] out = new long[t.ndim()];
    for (int d = 0; d < out.length; d++) {
      Long c = IrOps.asLong(t.shape().get(d));
      if (c == null) throw CompileException.invalid("%s: dimension %d of %s is symbolic; this compute needs constant shapes", op, d, t.name());
      out[d] = c;
    }
    return out;
  }

  /** {@code min(max(i, 0), extent - 1)}: an index that stays in bounds also where a select discards its load. */
  public static Expr clamp(Expr i, long extent) {
    return IrOps.min(IrOps.max(i, IrOps.i32(0)), IrOps.i32(extent - 1));
  }

  /** The product of {@code dims[from..to)}. */
  public static long product(long[] dims, int from, int to) {
    long p = 1;
    for (int d = from; d < to; d++) p = Math.multiplyExact(p, dims[d]);
    return p;
  }
}
