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
import org.nnvm4j.tensor.tir.Var;

/**
 * Top-k (TOPI's {@code topk}) without sorting loops or extern calls, in the order "largest first (or
 * smallest), ties by lower index", as ONNX TopK requires. Two formulations, both reductions along the
 * axis: for a small k, {@link #SELECT_MAX_K} rounds of selection (the best element after the previous
 * pick in that order: a max, then the least index holding it), linear in the axis extent per round;
 * otherwise ranks (every element's rank counts the elements before it, and output r is the element of
 * rank r), quadratic in the axis extent.
 */
public final class Sort {
  /** The largest k computed by rounds of selection (each round is two stages). */
  public static final long SELECT_MAX_K = 16;

  private Sort() {}

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
    long[] out = topkShape(s, axis, k);
    if (k <= SELECT_MAX_K && 4 * k <= s[axis]) {
      List<Tensor> picks = selectRounds(data, k, axis, largest, name);
      return Te.computeN(Te.shape(out), idx -> {
        List<Var> line = new ArrayList<>(idx);
        Var r = line.remove(axis);
        Expr v = IrOps.cast(DType.I64, picks.get((int) k - 1).get(line));
        for (int j = (int) k - 2; j >= 0; j--) v = IrOps.select(IrOps.eq(r, IrOps.i32(j)), IrOps.cast(DType.I64, picks.get(j).get(line)), v);
        return v;
      }, name, Transform.TAG, Map.of());
    }
    Tensor rank = rank(data, axis, largest, name);
    IterVar i = Te.reduceAxis(s[axis], "i");
    return Te.computeN(Te.shape(out), idx -> {
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
      Expr before = IrOps.or(better(y, x, largest), IrOps.and(IrOps.eq(y, x), IrOps.lt(j.var(), idx.get(axis))));
      return Te.sum(IrOps.i32(1), before, j);
    }, name + "_rank", Reduction.TAG, Map.of());
  }

  private static Expr better(Expr a, Expr b, boolean largest) { return largest ? IrOps.gt(a, b) : IrOps.lt(a, b); }

  /**
   * {@code k} rounds of selection; round r gives, per line along {@code axis} (the data's shape without
   * the axis), the int32 index of the best element that comes after round r-1's pick.
   */
  private static List<Tensor> selectRounds(Tensor data, long k, int axis, boolean largest, String name) {
    long n = Topi.constShape(data, name)[axis];
    List<Expr> lineShape = new ArrayList<>(data.shape());
    lineShape.remove(axis);
    List<Tensor> picks = new ArrayList<>();
    Tensor prevValue = null;
    Tensor prevIndex = null;
    for (int r = 0; r < k; r++) {
      final Tensor pv = prevValue;
      final Tensor pi = prevIndex;
      IterVar i1 = Te.reduceAxis(n, "i");
      Tensor value = Te.computeN(lineShape, line -> {
        Expr x = data.get(Reduction.insert(line, axis, i1.var()));
        Expr v = pv == null ? x : IrOps.select(after(x, i1.var(), pv.get(line), pi.get(line), largest), x, worst(x.dtype(), largest));
        return largest ? Te.max(v, i1) : Te.min(v, i1);
      }, name + "_value" + r, Reduction.TAG, Map.of());
      IterVar i2 = Te.reduceAxis(n, "i");
      Tensor index = Te.computeN(lineShape, line -> {
        Expr x = data.get(Reduction.insert(line, axis, i2.var()));
        Expr hit = IrOps.eq(x, value.get(line));
        if (pv != null) hit = IrOps.and(hit, after(x, i2.var(), pv.get(line), pi.get(line), largest));
        return Te.min(IrOps.select(hit, i2.var(), IrOps.i32(n - 1)), i2);
      }, name + "_pick" + r, Reduction.TAG, Map.of());
      picks.add(index);
      prevValue = value;
      prevIndex = index;
    }
    return picks;
  }

  /** Whether element {@code x} at {@code i} comes after the pick {@code (v, j)} in top-k order. */
  private static Expr after(Expr x, Expr i, Expr v, Expr j, boolean largest) {
    return IrOps.or(better(v, x, largest), IrOps.and(IrOps.eq(x, v), IrOps.gt(i, j)));
  }

  private static Expr worst(DType t, boolean largest) { return largest ? Te.lowest(t) : Te.highest(t); }
}
