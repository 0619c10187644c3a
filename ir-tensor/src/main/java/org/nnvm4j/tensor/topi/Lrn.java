package org.nnvm4j.tensor.topi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;

/**
 * Local response normalization across one axis (TOPI's {@code lrn}, ONNX LRN):
 * {@code x / (bias + alpha / size * sum(x[c'] ^ 2))^beta} where {@code c'} runs over
 * {@code [c - (size-1)/2, c + size-1 - (size-1)/2]} clipped to the axis (for odd sizes the centred window);
 * two stages, the sum of squares (tag {@code lrn_sqr_sum}) and the quotient (tag {@code lrn}).
 */
public final class Lrn {
  private Lrn() {}

  public static Tensor lrn(Tensor x, int axis, int size, double alpha, double beta, double bias, String name) {
    long[] s = Topi.constShape(x, name);
    if (size < 1 || axis < 0 || axis >= s.length) throw CompileException.invalid("%s: size %d over axis %d of rank %d", name, size, axis, s.length);
    int before = (size - 1) / 2;
    IterVar k = Te.reduceAxis(size, "k");
    Tensor sq = Te.computeN(x.shape(), idx -> {
      Expr c = IrOps.add(IrOps.sub(idx.get(axis), IrOps.i32(before)), k.var());
      List<Expr> at = new ArrayList<>(idx);
      at.set(axis, Topi.clamp(c, s[axis]));
      Expr v = x.get(at);
      Expr inside = IrOps.and(IrOps.ge(c, IrOps.i32(0)), IrOps.lt(c, IrOps.i32(s[axis])));
      return Te.sum(IrOps.select(inside, IrOps.mul(v, v), IrOps.zero(x.dtype())), k);
    }, name + "_sqr_sum", "lrn_sqr_sum", Map.of());
    return Te.computeN(x.shape(), idx -> {
      Expr base = IrOps.add(IrOps.constant(x.dtype(), bias), IrOps.mul(IrOps.constant(x.dtype(), alpha / size), sq.get(idx)));
      return IrOps.div(x.get(idx), IrOps.call(x.dtype(), "pow", base, IrOps.constant(x.dtype(), beta)));
    }, name, "lrn", Map.of());
  }
}
