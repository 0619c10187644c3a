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
   * such index, or the last with {@code lastIndex}; NaN counts as the extreme (the first NaN, as numpy).
   * One pass of the tuple reduction {@link #argReducer} over (index, value) pairs; the values are a
   * second output of the same compute.
   */
  public static Tensor argReduce(Tensor a, int axis, boolean keepDims, boolean max, boolean lastIndex, String name) {
    long[] in = Topi.constShape(a, name);
    List<Expr> outShape = new ArrayList<>(a.shape());
    if (keepDims) outShape.set(axis, IrOps.i32(1));
    else outShape.remove(axis);
    Te.TupleReducer r = argReducer(max, lastIndex);
    IterVar k = Te.reduceAxis(in[axis], "k");
    return Te.computeTuple(outShape, idx -> {
      List<Var> base = new ArrayList<>(idx);
      if (keepDims) base.remove(axis);
      return r.reduce(List.of(IrOps.cast(DType.I64, k.var()), a.get(insert(base, axis, k.var()))), k);
    }, name, TAG, Map.of()).get(0);
  }

  /** {@link #argReduce} with its defaults: the first index of the maximum. */
  public static Tensor argmax(Tensor a, int axis, boolean keepDims, String name) {
    return argReduce(a, axis, keepDims, true, false, name);
  }

  /** {@link #argReduce} with its defaults: the first index of the minimum. */
  public static Tensor argmin(Tensor a, int axis, boolean keepDims, String name) {
    return argReduce(a, axis, keepDims, false, false, name);
  }

  /**
   * The commutative reducer over (int64 index, value) pairs behind argmax ({@code max}) and argmin: the
   * pair with the greater (lesser) value wins, NaN beats every number, and of equal values the lesser index
   * wins (the greater with {@code lastIndex}). Identity: (int64 max, or -1 with {@code lastIndex}; the
   * lowest or highest value), so that any real index beats it on a tie.
   */
  public static Te.TupleReducer argReducer(boolean max, boolean lastIndex) {
    return Te.tupleReducer(max ? "argmax" : "argmin", (x, y) -> {
      Expr xi = x.get(0);
      Expr xv = x.get(1);
      Expr yi = y.get(0);
      Expr yv = y.get(1);
      Expr beats = max ? IrOps.gt(xv, yv) : IrOps.lt(xv, yv);
      Expr same = IrOps.eq(xv, yv);
      if (xv.dtype().isFloat()) {
        Expr xNan = IrOps.ne(xv, xv);
        Expr yNan = IrOps.ne(yv, yv);
        beats = IrOps.or(beats, IrOps.and(xNan, IrOps.not(yNan)));
        same = IrOps.or(same, IrOps.and(xNan, yNan));
      }
      Expr first = IrOps.or(beats, IrOps.and(same, lastIndex ? IrOps.gt(xi, yi) : IrOps.lt(xi, yi)));
      return List.of(IrOps.select(first, xi, yi), IrOps.select(first, xv, yv));
    }, types -> List.of(IrOps.i64(lastIndex ? -1 : Long.MAX_VALUE), max ? Te.lowest(types.get(1)) : Te.highest(types.get(1))));
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
