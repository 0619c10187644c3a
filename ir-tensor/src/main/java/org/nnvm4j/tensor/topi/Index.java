package org.nnvm4j.tensor.topi;

import java.util.ArrayList;
import java.util.Arrays;
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
 * Indexing computes (TOPI's {@code transform}/{@code scatter}): gather_nd, one_hot, reverse_sequence
 * (injective) and scatter_elements / scatter_nd. A scatter is written without stores into its output:
 * each output element reduces over the index positions that hit it (the last such position for
 * {@link ScatterReduction#NONE}, the sum, product, maximum or minimum of their updates otherwise), then
 * combines that with {@code data}. Index values read from tensors may be negative (they count from the
 * end) and are clamped into bounds before any load.
 */
public final class Index {
  /** How a scatter combines the updates that land on one element with it (ONNX's {@code reduction}). */
  public enum ScatterReduction { NONE, ADD, MUL, MAX, MIN }

  private Index() {}

  /** {@code k} (any integer dtype) as int32, with a negative value counted from {@code extent}; not clamped. */
  static Expr wrap(Expr k, long extent) {
    Expr i = IrOps.cast(DType.I64, k);
    i = IrOps.select(IrOps.lt(i, IrOps.i64(0)), IrOps.add(i, IrOps.i64(extent)), i);
    return IrOps.cast(DType.I32, IrOps.min(IrOps.max(i, IrOps.i64(-1)), IrOps.i64(extent)));
  }

  private static void integral(Tensor indices, String name) {
    if (!indices.dtype().isIntegral()) throw CompileException.invalid("%s: indices must be integers, got %s", name, indices.dtype());
  }

  /** The output shape of gather_nd: {@code indices[:-1] + data[batchDims + q:]} with {@code q = indices[-1]}. */
  public static long[] gatherNdShape(long[] data, long[] indices, int batchDims) {
    if (indices.length < 1) throw CompileException.invalid("gather_nd: indices must have rank >= 1");
    long q = indices[indices.length - 1];
    if (batchDims < 0 || batchDims >= Math.min(data.length, indices.length)) {
      throw CompileException.invalid("gather_nd: batch_dims %d must be below the ranks of data %s and indices %s", batchDims,
          Arrays.toString(data), Arrays.toString(indices));
    }
    if (q < 1 || batchDims + q > data.length) {
      throw CompileException.invalid("gather_nd: the last dimension of indices %s (%d) must be in [1, %d] for data %s",
          Arrays.toString(indices), q, data.length - batchDims, Arrays.toString(data));
    }
    for (int d = 0; d < batchDims; d++) {
      if (data[d] != indices[d]) {
        throw CompileException.invalid("gather_nd: batch dimension %d differs: data %s, indices %s", d, Arrays.toString(data),
            Arrays.toString(indices));
      }
    }
    long[] out = new long[indices.length - 1 + data.length - batchDims - (int) q];
    System.arraycopy(indices, 0, out, 0, indices.length - 1);
    System.arraycopy(data, batchDims + (int) q, out, indices.length - 1, data.length - batchDims - (int) q);
    return out;
  }

  /**
   * {@code out[b..., j..., r...] = data[b..., indices[b..., j..., :], r...]}: the first {@code batchDims}
   * dimensions are shared by data and indices, the last dimension of indices addresses the next
   * {@code q} dimensions of data (ONNX GatherND, TVM's {@code gather_nd}).
   */
  public static Tensor gatherNd(Tensor data, Tensor indices, int batchDims, String name) {
    integral(indices, name);
    long[] ds = Topi.constShape(data, name);
    long[] is = Topi.constShape(indices, name);
    long[] out = gatherNdShape(ds, is, batchDims);
    int m = is.length - 1;
    int q = (int) is[m];
    return Te.computeN(Te.shape(out), idx -> {
      List<Expr> src = new ArrayList<>(idx.subList(0, batchDims));
      for (int t = 0; t < q; t++) {
        List<Expr> at = new ArrayList<>(idx.subList(0, m));
        at.add(IrOps.i32(t));
        src.add(Topi.clamp(wrap(indices.get(at), ds[batchDims + t]), ds[batchDims + t]));
      }
      src.addAll(idx.subList(m, idx.size()));
      return data.get(src);
    }, name, Transform.TAG, Map.of());
  }

  /** The output shape of one_hot: the shape of indices with {@code depth} inserted at {@code axis} (already non-negative). */
  public static long[] oneHotShape(long[] indices, long depth, int axis) {
    long[] out = new long[indices.length + 1];
    for (int d = 0, k = 0; d < out.length; d++) out[d] = d == axis ? depth : indices[k++];
    return out;
  }

  /**
   * {@code out[..., d, ...] = values[1]} where {@code indices[...] == d} (a negative index counts from
   * {@code depth}), else {@code values[0]}; the new dimension of extent {@code depth} sits at {@code axis}.
   * Indices outside {@code [-depth, depth)} give a row of {@code values[0]}.
   */
  public static Tensor oneHot(Tensor indices, Tensor values, long depth, int axis, String name) {
    long[] is = Topi.constShape(indices, name);
    long[] vs = Topi.constShape(values, name);
    if (vs.length != 1 || vs[0] != 2) throw CompileException.invalid("%s: values must be [off, on], got shape %s", name, Arrays.toString(vs));
    if (depth < 1) throw CompileException.invalid("%s: depth must be positive, got %d", name, depth);
    return Te.computeN(Te.shape(oneHotShape(is, depth, axis)), idx -> {
      List<Expr> at = new ArrayList<>(idx);
      Expr d = at.remove(axis);
      Expr k = IrOps.cast(DType.I64, indices.get(at));
      k = IrOps.select(IrOps.lt(k, IrOps.i64(0)), IrOps.add(k, IrOps.i64(depth)), k);
      return IrOps.select(IrOps.eq(k, IrOps.cast(DType.I64, d)), values.get(IrOps.i32(1)), values.get(IrOps.i32(0)));
    }, name, Transform.TAG, Map.of());
  }

  /**
   * Reverses the first {@code lens[b]} elements along {@code timeAxis} of every batch entry {@code b}
   * (along {@code batchAxis}); the rest is copied (ONNX ReverseSequence).
   */
  public static Tensor reverseSequence(Tensor data, Tensor lens, int batchAxis, int timeAxis, String name) {
    integral(lens, name);
    long[] ds = Topi.constShape(data, name);
    long[] ls = Topi.constShape(lens, name);
    if (batchAxis == timeAxis) throw CompileException.invalid("%s: batch and time axis are both %d", name, batchAxis);
    if (ls.length != 1 || ls[0] != ds[batchAxis]) {
      throw CompileException.invalid("%s: sequence lengths %s must be [%d] for data %s", name, Arrays.toString(ls), ds[batchAxis],
          Arrays.toString(ds));
    }
    long steps = ds[timeAxis];
    return Te.computeN(data.shape(), idx -> {
      Expr t = idx.get(timeAxis);
      Expr len = IrOps.min(IrOps.max(IrOps.cast(DType.I32, lens.get(idx.get(batchAxis))), IrOps.i32(0)), IrOps.i32(steps));
      List<Expr> src = new ArrayList<>(idx);
      src.set(timeAxis, IrOps.select(IrOps.lt(t, len), Topi.clamp(IrOps.sub(IrOps.sub(len, IrOps.i32(1)), t), steps), t));
      return data.get(src);
    }, name, Transform.TAG, Map.of());
  }

  /**
   * ONNX ScatterElements: {@code out = data}, then for every position {@code j} of {@code indices},
   * {@code out[j with j[axis] := indices[j]]} receives {@code updates[j]} (combined by {@code reduction};
   * with NONE the last position wins). Indices may be smaller than data in every dimension.
   */
  public static Tensor scatterElements(Tensor data, Tensor indices, Tensor updates, int axis, ScatterReduction reduction,
      String name) {
    integral(indices, name);
    long[] ds = Topi.constShape(data, name);
    long[] is = Topi.constShape(indices, name);
    long[] us = Topi.constShape(updates, name);
    if (!Arrays.equals(is, us)) throw CompileException.invalid("%s: indices %s and updates %s differ in shape", name, Arrays.toString(is), Arrays.toString(us));
    if (is.length != ds.length) throw CompileException.invalid("%s: data %s and indices %s ranks differ", name, Arrays.toString(ds), Arrays.toString(is));
    for (int d = 0; d < ds.length; d++) {
      if (d != axis && is[d] > ds[d]) {
        throw CompileException.invalid("%s: indices %s exceed data %s in dimension %d", name, Arrays.toString(is), Arrays.toString(ds), d);
      }
    }
    IterVar[] k = {Te.reduceAxis(is[axis], "k")};
    return scatter(data, updates, reduction, k, ds.length, new Hits() {
      @Override
      public Expr match(List<Var> out, List<Expr> point) {
        Expr hit = IrOps.eq(wrap(indices.get(at(out, point)), ds[axis]), out.get(axis));
        for (int d = 0; d < ds.length; d++) if (d != axis && is[d] < ds[d]) hit = IrOps.and(IrOps.lt(out.get(d), IrOps.i32(is[d])), hit);
        return hit;
      }

      @Override
      public List<Expr> update(List<Var> out, List<Expr> point) { return at(out, point); }

      private List<Expr> at(List<Var> out, List<Expr> point) {
        List<Expr> j = new ArrayList<>();
        for (int d = 0; d < ds.length; d++) j.add(d == axis ? point.get(0) : Topi.clamp(out.get(d), is[d]));
        return j;
      }
    }, name);
  }

  /**
   * ONNX ScatterND: {@code out = data}, then for every position {@code j} of {@code indices[:-1]},
   * the slice {@code out[indices[j, :]]} receives {@code updates[j]} (combined by {@code reduction}; with
   * NONE the last position in row-major order wins).
   */
  public static Tensor scatterNd(Tensor data, Tensor indices, Tensor updates, ScatterReduction reduction, String name) {
    integral(indices, name);
    long[] ds = Topi.constShape(data, name);
    long[] is = Topi.constShape(indices, name);
    long[] us = Topi.constShape(updates, name);
    int m = is.length - 1;
    int q = m < 0 ? 0 : (int) is[m];
    if (m < 0 || q < 1 || q > ds.length) {
      throw CompileException.invalid("%s: the last dimension of indices %s must be in [1, %d]", name, Arrays.toString(is), ds.length);
    }
    long[] want = new long[m + ds.length - q];
    System.arraycopy(is, 0, want, 0, m);
    System.arraycopy(ds, q, want, m, ds.length - q);
    if (!Arrays.equals(us, want)) {
      throw CompileException.invalid("%s: updates have shape %s, expected %s", name, Arrays.toString(us), Arrays.toString(want));
    }
    // indices of rank 1 name a single slice: one reduction point (a reduction needs an axis).
    IterVar[] points = new IterVar[Math.max(m, 1)];
    for (int d = 0; d < points.length; d++) points[d] = Te.reduceAxis(m == 0 ? 1 : is[d], "j" + d);
    return scatter(data, updates, reduction, points, q, new Hits() {
      @Override
      public Expr match(List<Var> out, List<Expr> point) {
        Expr hit = IrOps.bool(true);
        for (int t = 0; t < q; t++) {
          List<Expr> at = new ArrayList<>(point.subList(0, m));
          at.add(IrOps.i32(t));
          hit = IrOps.and(hit, IrOps.eq(wrap(indices.get(at), ds[t]), out.get(t)));
        }
        return hit;
      }

      @Override
      public List<Expr> update(List<Var> out, List<Expr> point) {
        List<Expr> u = new ArrayList<>(point.subList(0, m));
        u.addAll(out.subList(q, out.size()));
        return u;
      }
    }, name);
  }

  /** Which reduction points land on an output element, and where their update is. */
  private interface Hits {
    /** Whether reduction point {@code point} writes output element {@code out} (only its leading {@code rows} indices are read). */
    Expr match(List<Var> out, List<Expr> point);

    /** The index into updates of reduction point {@code point} (for output element {@code out}). */
    List<Expr> update(List<Var> out, List<Expr> point);
  }

  /**
   * The two stages of a scatter: a reduction over {@code points} per output element, then its
   * combination with {@code data}. Whether a point hits an element depends on the element's first
   * {@code rows} indices only, so NONE reduces per such row (a slice of ScatterND: once, not once per
   * element of the slice) to the greatest row-major position that hits it (-1 for none), and loads
   * that update.
   */
  private static Tensor scatter(Tensor data, Tensor updates, ScatterReduction reduction, IterVar[] points, int rows, Hits hits,
      String name) {
    if (!data.dtype().equals(updates.dtype())) {
      throw CompileException.invalid("%s: data has dtype %s but updates %s", name, data.dtype(), updates.dtype());
    }
    DType t = data.dtype();
    List<Expr> pointVars = Arrays.stream(points).map(p -> (Expr) p.var()).toList();
    long[] extents = Arrays.stream(points).mapToLong(p -> IrOps.asLong(p.dom().extent())).toArray();
    if (reduction == ScatterReduction.NONE) {
      Tensor last = Te.computeN(data.shape().subList(0, rows), idx -> {
        Expr linear = IrOps.i32(0);
        for (int d = 0; d < points.length; d++) linear = IrOps.add(IrOps.mul(linear, IrOps.i32(extents[d])), pointVars.get(d));
        return Te.max(IrOps.select(hits.match(idx, pointVars), linear, IrOps.i32(-1)), points);
      }, name + "_last", Reduction.TAG, Map.of());
      return Te.computeN(data.shape(), idx -> {
        Expr at = last.get(idx.subList(0, rows));
        Expr pos = IrOps.max(at, IrOps.i32(0));
        List<Expr> point = new ArrayList<>();
        for (int d = 0; d < points.length; d++) {
          Expr q = IrOps.floorDiv(pos, IrOps.i32(Topi.product(extents, d + 1, extents.length)));
          point.add(d == 0 ? q : IrOps.floorMod(q, IrOps.i32(extents[d])));
        }
        return IrOps.select(IrOps.ge(at, IrOps.i32(0)), updates.get(hits.update(idx, point)), data.get(idx));
      }, name, Transform.TAG, Map.of());
    }
    Tensor combined = Te.computeN(data.shape(), idx -> {
      Expr u = updates.get(hits.update(idx, pointVars));
      Expr hit = hits.match(idx, pointVars);
      return switch (reduction) {
        case ADD -> Te.sum(u, hit, points);
        case MUL -> Te.prod(IrOps.select(hit, u, IrOps.one(t)), points);
        case MAX -> Te.max(IrOps.select(hit, u, Te.lowest(t)), points);
        case MIN -> Te.min(IrOps.select(hit, u, Te.highest(t)), points);
        case NONE -> throw new IllegalStateException("handled above");
      };
    }, name + "_updates", Reduction.TAG, Map.of());
    return Te.computeN(data.shape(), idx -> {
      Expr d = data.get(idx);
      Expr c = combined.get(idx);
      return switch (reduction) {
        case ADD -> IrOps.add(d, c);
        case MUL -> IrOps.mul(d, c);
        case MAX -> IrOps.max(d, c);
        case MIN -> IrOps.min(d, c);
        case NONE -> throw new IllegalStateException("handled above");
      };
    }, name, Transform.TAG, Map.of());
  }
}
