package org.nnvm4j.tensor.topi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;

/**
 * Selection by rank (TOPI's {@code topk}) without sorting loops or extern calls: the rank of every
 * element along the axis is the number of elements that come before it (greater, or equal at a lower
 * index, for the largest first), a reduction; the {@code r}-th output is the element whose rank is
 * {@code r}, a second reduction. Ties therefore keep the lower index first, as ONNX TopK requires.
 * The work is quadratic in the axis extent, which suits the short axes TopK sees in models.
 */
public final class Sort {
  private Sort() {}

  /**
   * The int32 rank of every element of {@code data} along {@code axis}: 0 for the largest ({@code largest})
   * or smallest, ties broken by index.
   */
  public static Tensor rank(Tensor data, int axis, boolean largest, String name) {
    long[] s = Topi.constShape(data, name);
    IterVar j = Te.reduceAxis(s[axis], "j");
    return Te.computeN(data.shape(), idx -> {
      List<Expr> other = new ArrayList<>(idx);
      other.set(axis, j.var());
      Expr x = data.get(idx);
      Expr y = data.get(other);
      Expr before = IrOps.or(largest ? IrOps.gt(y, x) : IrOps.lt(y, x), IrOps.and(IrOps.eq(y, x), IrOps.lt(j.var(), idx.get(axis))));
      return Te.sum(IrOps.i32(1), before, j);
    }, name + "_rank", Reduction.TAG, Map.of());
  }

  /** The output shape of top-k: {@code data} with extent {@code k} along {@code axis}. */
  public static long[] topkShape(long[] data, int axis, long k) {
    if (k < 1 || k > data[axis]) throw CompileException.invalid("topk: k=%d must be in [1, %d] (the extent of axis %d)", k, data[axis], axis);
    long[] out = data.clone();
    out[axis] = k;
    return out;
  }

  /** The int64 indices along {@code axis} of the {@code k} largest (or smallest) elements, best first. */
  public static Tensor topkIndices(Tensor data, long k, int axis, boolean largest, String name) {
    long[] s = Topi.constShape(data, name);
    Tensor rank = rank(data, axis, largest, name);
    IterVar i = Te.reduceAxis(s[axis], "i");
    return Te.computeN(Te.shape(topkShape(s, axis, k)), idx -> {
      List<Expr> at = new ArrayList<>(idx);
      at.set(axis, i.var());
      return Te.sum(IrOps.cast(DType.I64, i.var()), IrOps.eq(rank.get(at), idx.get(axis)), i);
    }, name, Reduction.TAG, Map.of());
  }

  /** The {@code k} largest (or smallest) elements along {@code axis}, best first. */
  public static Tensor topkValues(Tensor data, long k, int axis, boolean largest, String name) {
    long[] s = Topi.constShape(data, name);
    Tensor indices = topkIndices(data, k, axis, largest, name + "_indices");
    return Te.computeN(indices.shape(), idx -> {
      List<Expr> at = new ArrayList<>(idx);
      at.set(axis, Topi.clamp(IrOps.cast(DType.I32, indices.get(idx)), s[axis]));
      return data.get(at);
    }, name, Transform.TAG, Map.of());
  }
}
