package org.nnvm4j.tensor.topi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.Var;

/** Reductions over a set of axes (TOPI's {@code reduction}): sum, max, min, prod, mean; tag {@code comm_reduce}. */
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

  /** {@code idx} with {@code value} inserted at {@code axis}: the input index of a reduction over one axis. */
  static List<Expr> insert(List<Var> idx, int axis, Expr value) {
    List<Expr> src = new ArrayList<>(idx);
    src.add(axis, value);
    return src;
  }
}
