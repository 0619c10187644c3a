package org.nnvm4j.tensor.topi;

import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.StructuralEqual;

/** Element-wise computes: {@code out[i...] = f(a[i...])} and {@code out[i...] = f(a[i...], b[i...])}, tag {@code elemwise}. */
public final class Elemwise {
  public static final String TAG = "elemwise";

  private Elemwise() {}

  public static Tensor unary(Tensor a, UnaryOperator<Expr> f, String name) {
    return Te.computeN(a.shape(), idx -> f.apply(a.get(idx)), name, TAG, Map.of());
  }

  public static Tensor binary(Tensor a, Tensor b, BinaryOperator<Expr> f, String name) {
    if (!a.dtype().equals(b.dtype()) || a.ndim() != b.ndim()) {
      throw CompileException.invalid("%s: operands %s %s and %s %s differ", name, a.dtype(), a.shape(), b.dtype(), b.shape());
    }
    for (int d = 0; d < a.ndim(); d++) {
      if (!StructuralEqual.equal(a.shape().get(d), b.shape().get(d))) {
        throw CompileException.invalid("%s: operand shapes differ in dimension %d", name, d);
      }
    }
    return Te.computeN(a.shape(), idx -> f.apply(a.get(idx), b.get(idx)), name, TAG, Map.of());
  }
}
