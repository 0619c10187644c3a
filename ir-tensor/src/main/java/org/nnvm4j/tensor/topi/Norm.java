package org.nnvm4j.tensor.topi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.Var;

/**
 * Normalizations over a group of axes (TOPI's {@code instance_norm}, {@code layer_norm},
 * {@code l2_normalize}), computed in the input's float dtype. Each is a few stages over the "rows" (the
 * axes that are not normalized): a sum (tag {@link #SUM_TAG}), for the two moment norms a sum of squared
 * deviations from the mean (two passes, as the ONNX reference, rather than E[x^2] - E[x]^2, which cancels),
 * the row's inverse scale (tag {@link #INV_TAG}), and the output (tag {@link #TAG}), so that a schedule can
 * find and schedule the row stages (parallel over rows, vectorized along a contiguous row).
 */
public final class Norm {
  /** The tag of every norm's output stage. */
  public static final String TAG = "norm";
  /** The tag of the row reductions (the sum, the sum of squared deviations or of squares). */
  public static final String SUM_TAG = "norm_sum";
  /** The tag of the per-row inverse scale {@code 1 / sqrt(var + eps)} or {@code 1 / sqrt(max(sum, eps))}. */
  public static final String INV_TAG = "norm_inv";
  /**
   * The output attribute (an Integer) that says the normalized axes are the trailing ones and how many
   * leading "row" axes there are: the row stages then index by the output's leading axes and each row is
   * contiguous in memory, which a schedule can vectorize along. Absent when the normalized axes are not a
   * trailing block.
   */
  public static final String ROWS_ATTR = "norm_rows";

  /** A layer norm's output and its moments, {@code mean} and {@code 1 / sqrt(var + epsilon)}, with the normalized axes kept as extent 1. */
  public record Moments(Tensor out, Tensor mean, Tensor invStdDev) {}

  private Norm() {}

  /**
   * Instance normalization: per sample and channel ({@code axis}), {@code (x - mean) / sqrt(var + epsilon)
   * * gamma[c] + beta[c]} with the mean and population variance over every other axis but the first;
   * gamma and beta have shape {@code [C]}.
   */
  public static Tensor instanceNorm(Tensor data, Tensor gamma, Tensor beta, int axis, double epsilon, String name) {
    long[] s = floatShape(data, name);
    if (s.length < 3 || axis < 1 || axis >= s.length) {
      throw CompileException.invalid("%s: data %s with channel axis %d; expected [N, C, spatial...] with the channel axis after the batch",
          name, Arrays.toString(s), axis);
    }
    expectShape(gamma, new long[] {s[axis]}, "gamma", name);
    expectShape(beta, new long[] {s[axis]}, "beta", name);
    boolean[] reduced = new boolean[s.length];
    for (int d = 1; d < s.length; d++) reduced[d] = d != axis;
    Stats st = stats(data, reduced, epsilon, name);
    return Te.computeN(data.shape(), idx -> {
      Expr c = idx.get(axis);
      return IrOps.add(IrOps.mul(st.normalized(data, idx), gamma.get(c)), beta.get(c));
    }, name, TAG, rowsAttr(reduced));
  }

  /**
   * Layer normalization over the axes from {@code axis} on: {@code (x - mean) / sqrt(var + epsilon) * gamma
   * (+ beta)} where gamma and beta (null for none) have the normalized shape {@code shape[axis:]}. The
   * moments come back too, shaped as ONNX LayerNormalization's optional outputs.
   */
  public static Moments layerNorm(Tensor data, Tensor gamma, Tensor beta, int axis, double epsilon, String name) {
    long[] s = floatShape(data, name);
    if (axis < 0 || axis >= s.length) throw CompileException.invalid("%s: axis %d is out of range for data %s", name, axis, Arrays.toString(s));
    long[] normalized = Arrays.copyOfRange(s, axis, s.length);
    expectShape(gamma, normalized, "gamma", name);
    if (beta != null) expectShape(beta, normalized, "beta", name);
    boolean[] reduced = new boolean[s.length];
    Arrays.fill(reduced, axis, s.length, true);
    Stats st = stats(data, reduced, epsilon, name);
    Tensor out = Te.computeN(data.shape(), idx -> {
      List<Var> inner = idx.subList(axis, idx.size());
      Expr y = IrOps.mul(st.normalized(data, idx), gamma.get(inner));
      return beta == null ? y : IrOps.add(y, beta.get(inner));
    }, name, TAG, rowsAttr(reduced));
    List<Expr> kept = new ArrayList<>(data.shape().subList(0, axis));
    for (int d = axis; d < s.length; d++) kept.add(IrOps.i32(1));
    Tensor mean = Te.computeN(kept, idx -> st.mean(idx.subList(0, axis)), name + "_mean", Elemwise.TAG, Map.of());
    Tensor inv = Te.computeN(kept, idx -> st.inv().get(idx.subList(0, axis)), name + "_inv_std_dev", Elemwise.TAG, Map.of());
    return new Moments(out, mean, inv);
  }

  /**
   * NNVM's {@code l2_normalize}: {@code x / sqrt(max(sum(x^2 over axes), eps))}. With {@code eps = 0} this is
   * ONNX LpNormalization with p = 2 ({@code x / ||x||}: a row of zeros gives NaN, as the ONNX reference).
   */
  public static Tensor l2Normalize(Tensor data, double eps, int[] axes, String name) {
    long[] s = floatShape(data, name);
    boolean[] reduced = new boolean[s.length];
    for (int a : axes) {
      if (a < 0 || a >= s.length || reduced[a]) {
        throw CompileException.invalid("%s: axes %s must be distinct axes of data %s", name, Arrays.toString(axes), Arrays.toString(s));
      }
      reduced[a] = true;
    }
    Tensor sq = rowReduce(data, reduced, name + "_sqr_sum", (x, row) -> IrOps.mul(x, x));
    Tensor inv = Te.computeN(sq.shape(), idx -> IrOps.div(IrOps.one(data.dtype()),
        IrOps.call(data.dtype(), "sqrt", IrOps.max(sq.get(idx), IrOps.constant(data.dtype(), eps)))), name + "_inv", INV_TAG, Map.of());
    return Te.computeN(data.shape(), idx -> IrOps.mul(data.get(idx), inv.get(rows(idx, reduced))), name, TAG, rowsAttr(reduced));
  }

  /** The row stages of a moment norm: the sum, the sum of squared deviations and the inverse standard deviation. */
  private record Stats(Tensor sum, Tensor sqDev, Tensor inv, boolean[] reduced, Expr invCount) {
    Expr mean(List<? extends Expr> row) { return IrOps.mul(sum.get(row), invCount); }

    /** {@code (x - mean) * inv} at data index {@code idx}. */
    Expr normalized(Tensor data, List<Var> idx) {
      List<Expr> row = rows(idx, reduced);
      return IrOps.mul(IrOps.sub(data.get(idx), mean(row)), inv.get(row));
    }
  }

  private static Stats stats(Tensor data, boolean[] reduced, double epsilon, String name) {
    long[] s = Topi.constShape(data, name);
    long count = 1;
    for (int d = 0; d < s.length; d++) if (reduced[d]) count *= s[d];
    Expr invCount = IrOps.constant(data.dtype(), 1.0 / count);
    Tensor sum = rowReduce(data, reduced, name + "_sum", (x, row) -> x);
    Tensor sqDev = rowReduce(data, reduced, name + "_sqr_dev", (x, row) -> {
      Expr d = IrOps.sub(x, IrOps.mul(sum.get(row), invCount));
      return IrOps.mul(d, d);
    });
    Tensor inv = Te.computeN(sum.shape(), idx -> IrOps.div(IrOps.one(data.dtype()), IrOps.call(data.dtype(), "sqrt",
        IrOps.add(IrOps.mul(sqDev.get(idx), invCount), IrOps.constant(data.dtype(), epsilon)))), name + "_inv_std", INV_TAG, Map.of());
    return new Stats(sum, sqDev, inv, reduced, invCount);
  }

  /** {@code sum(term(x, row))} over the axes marked {@code reduced}: one element per row (the other axes, in order). */
  private static Tensor rowReduce(Tensor data, boolean[] reduced, String name, BiFunction<Expr, List<Expr>, Expr> term) {
    long[] s = Topi.constShape(data, name);
    List<Long> rowShape = new ArrayList<>();
    for (int d = 0; d < s.length; d++) if (!reduced[d]) rowShape.add(s[d]);
    return Te.computeN(Te.shape(rowShape.stream().mapToLong(Long::longValue).toArray()), idx -> {
      List<IterVar> axes = new ArrayList<>();
      List<Expr> src = new ArrayList<>();
      int k = 0;
      for (int d = 0; d < s.length; d++) {
        if (reduced[d]) {
          IterVar rv = Te.reduceAxis(s[d], "r" + d);
          axes.add(rv);
          src.add(rv.var());
        } else {
          src.add(idx.get(k++));
        }
      }
      Expr x = data.get(src);
      return Te.sum(term.apply(x, new ArrayList<>(idx)), axes.toArray(IterVar[]::new));
    }, name, SUM_TAG, Map.of());
  }

  /** {@link #ROWS_ATTR} = the number of leading unreduced axes when the reduced axes are exactly the trailing ones; else none. */
  private static Map<String, Object> rowsAttr(boolean[] reduced) {
    int rows = 0;
    while (rows < reduced.length && !reduced[rows]) rows++;
    for (int d = rows; d < reduced.length; d++) if (!reduced[d]) return Map.of();
    return Map.of(ROWS_ATTR, rows);
  }

  /** The row index (the axes not {@code reduced}) of data index {@code idx}. */
  private static List<Expr> rows(List<Var> idx, boolean[] reduced) {
    List<Expr> out = new ArrayList<>();
    for (int d = 0; d < idx.size(); d++) if (!reduced[d]) out.add(idx.get(d));
    return out;
  }

  private static long[] floatShape(Tensor data, String name) {
    if (!data.dtype().isFloat()) throw CompileException.invalid("%s: data has dtype %s; expected a float dtype", name, data.dtype());
    return Topi.constShape(data, name);
  }

  private static void expectShape(Tensor t, long[] want, String what, String name) {
    long[] got = Topi.constShape(t, name);
    if (!Arrays.equals(got, want)) {
      throw CompileException.invalid("%s: %s has shape %s; expected %s", name, what, Arrays.toString(got), Arrays.toString(want));
    }
  }
}
