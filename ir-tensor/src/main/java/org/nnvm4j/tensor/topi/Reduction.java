package org.nnvm4j.tensor.topi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.Var;

/** Reductions over a set of axes (TOPI's {@code reduction}): sum, max, min, prod, mean, arg max/min, cumulative sum; tag {@code comm_reduce}. */
public final class Reduction {
  public static final String TAG = "comm_reduce";

  /** Which reduction. */
  public enum Kind { SUM, MAX, MIN, PROD, MEAN }

  private Reduction() {}

  /**
   * {@code kind} of {@code a} over the dimensions marked in {@code reduced}; with {@code keepDims} the
   * reduced dimensions stay with extent 1.
   */
  public static Tensor reduce(Tensor a, boolean[] reduced, boolean keepDims, Kind kind, String name) {
    long[] in = Topi.constShape(a, name);
    List<Long> outShape = new ArrayList<>();
    long count = 1;
    for (int d = 0; d < in.length; d++) {
      if (reduced[d]) {
        count *= in[d];
        if (keepDims) outShape.add(1L);
      } else {
        outShape.add(in[d]);
      }
    }
    long[] out = outShape.stream().mapToLong(Long::longValue).toArray();
    Tensor r = Te.computeN(Te.shape(out), idx -> {
      List<IterVar> axes = new ArrayList<>();
      List<Expr> src = new ArrayList<>();
      int k = 0;
      for (int d = 0; d < in.length; d++) {
        if (reduced[d]) {
          IterVar rv = Te.reduceAxis(in[d], "r" + d);
          axes.add(rv);
          src.add(rv.var());
          if (keepDims) k++;
        } else {
          src.add(idx.get(k++));
        }
      }
      IterVar[] ax = axes.toArray(IterVar[]::new);
      return switch (kind) {
        case MAX -> Te.max(a.get(src), ax);
        case MIN -> Te.min(a.get(src), ax);
        case PROD -> Te.prod(a.get(src), ax);
        case SUM, MEAN -> Te.sum(a.get(src), ax);
      };
    }, kind == Kind.MEAN ? name + "_sum" : name, TAG, Map.of());
    if (kind != Kind.MEAN) return r;
    Expr n = IrOps.constant(a.dtype(), count);
    return Te.computeN(r.shape(), idx -> IrOps.div(r.get(idx), n), name, Elemwise.TAG, Map.of());
  }

  /**
   * The int64 index along {@code axis} of the maximum ({@code max}) or minimum of {@code a}: the first
   * such index, or the last with {@code lastIndex}. Two stages: the extreme value, then the least (or
   * greatest) index that holds it.
   */
  public static Tensor argReduce(Tensor a, int axis, boolean keepDims, boolean max, boolean lastIndex, String name) {
    long[] in = Topi.constShape(a, name);
    List<Expr> reducedShape = new ArrayList<>(a.shape());
    reducedShape.remove(axis);
    IterVar k1 = Te.reduceAxis(in[axis], "k");
    Tensor extreme = Te.computeN(reducedShape, idx -> {
      Expr v = a.get(insert(idx, axis, k1.var()));
      return max ? Te.max(v, k1) : Te.min(v, k1);
    }, name + "_value", TAG, Map.of());
    List<Expr> outShape = new ArrayList<>(reducedShape);
    if (keepDims) outShape.add(axis, IrOps.i32(1));
    IterVar k2 = Te.reduceAxis(in[axis], "k");
    return Te.computeN(outShape, idx -> {
      List<Var> base = new ArrayList<>(idx);
      if (keepDims) base.remove(axis);
      Expr at = IrOps.cast(DType.I64, k2.var());
      Expr hit = IrOps.eq(a.get(insert(base, axis, k2.var())), extreme.get(base));
      return lastIndex ? Te.max(IrOps.select(hit, at, IrOps.i64(-1)), k2) : Te.min(IrOps.select(hit, at, IrOps.i64(in[axis])), k2);
    }, name, TAG, Map.of());
  }

  /**
   * Cumulative sum along {@code axis}: {@code out[..i..] = sum of a[..r..]} for {@code r <= i}
   * ({@code r < i} when {@code exclusive}; {@code r >= i} / {@code r > i} when {@code reverse}).
   */
  public static Tensor cumsum(Tensor a, int axis, boolean exclusive, boolean reverse, String name) {
    long[] in = Topi.constShape(a, name);
    IterVar r = Te.reduceAxis(in[axis], "r");
    return Te.computeN(a.shape(), idx -> {
      Var i = idx.get(axis);
      Expr keep = reverse ? (exclusive ? IrOps.gt(r.var(), i) : IrOps.ge(r.var(), i))
          : (exclusive ? IrOps.lt(r.var(), i) : IrOps.le(r.var(), i));
      List<Expr> src = new ArrayList<>(idx);
      src.set(axis, r.var());
      return Te.sum(a.get(src), keep, r);
    }, name, TAG, Map.of());
  }

  /** {@code idx} with {@code value} inserted at {@code axis}: the input index of a reduction over one axis. */
  static List<Expr> insert(List<Var> idx, int axis, Expr value) {
    List<Expr> src = new ArrayList<>(idx);
    src.add(axis, value);
    return src;
  }
}
