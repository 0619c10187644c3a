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

/** Neural-network computes: dense, softmax, inference-mode batch normalization. */
public final class Nn {
  private Nn() {}

  /**
   * {@code (x - mean[c]) / sqrt(var[c] + epsilon) * gamma[c] + beta[c]} where {@code c} is the index along
   * {@code axis}; {@code scale = false} drops gamma, {@code center = false} drops beta.
   */
  public static Tensor batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor var, int axis,
      double epsilon, boolean center, boolean scale, String name) {
    return Te.computeN(x.shape(), idx -> {
      Expr c = idx.get(axis);
      Expr eps = IrOps.constant(x.dtype(), epsilon);
      Expr v = IrOps.div(IrOps.sub(x.get(idx), mean.get(c)), IrOps.call(x.dtype(), "sqrt", IrOps.add(var.get(c), eps)));
      if (scale) v = IrOps.mul(v, gamma.get(c));
      if (center) v = IrOps.add(v, beta.get(c));
      return v;
    }, name, Broadcast.TAG, Map.of());
  }

  /** {@code out[b, u] = sum_k data[b, k] * weight[u, k]} (TOPI's {@code dense}); tag {@code dense}. */
  public static Tensor dense(Tensor data, Tensor weight, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    IterVar k = Te.reduceAxis(d[1], "k");
    return Te.computeN(Te.shape(d[0], w[0]), idx -> Te.sum(IrOps.mul(data.get(idx.get(0), k.var()), weight.get(idx.get(1), k.var())), k),
        name, "dense", Map.of());
  }

  /** {@code exp(x - max) / sum(exp(x - max))} along {@code axis} (four stages); tag {@code softmax_output}. */
  public static Tensor softmax(Tensor x, int axis, boolean log, String name) {
    long[] s = Topi.constShape(x, name);
    List<Expr> reducedShape = new ArrayList<>(x.shape());
    reducedShape.remove(axis);
    IterVar k1 = Te.reduceAxis(s[axis], "k");
    Tensor max = Te.computeN(reducedShape, idx -> Te.max(x.get(Reduction.insert(idx, axis, k1.var())), k1), name + "_max",
        Reduction.TAG, Map.of());
    Tensor e = Te.computeN(x.shape(), idx -> IrOps.call(x.dtype(), "exp", IrOps.sub(x.get(idx), max.get(without(idx, axis)))),
        name + "_exp", Elemwise.TAG, Map.of());
    IterVar k2 = Te.reduceAxis(s[axis], "k");
    Tensor sum = Te.computeN(reducedShape, idx -> Te.sum(e.get(Reduction.insert(idx, axis, k2.var())), k2), name + "_sum",
        Reduction.TAG, Map.of());
    if (log) {
      return Te.computeN(x.shape(), idx -> IrOps.sub(IrOps.sub(x.get(idx), max.get(without(idx, axis))),
          IrOps.call(x.dtype(), "log", sum.get(without(idx, axis)))), name, "softmax_output", Map.of());
    }
    return Te.computeN(x.shape(), idx -> IrOps.div(e.get(idx), sum.get(without(idx, axis))), name, "softmax_output", Map.of());
  }

  private static List<Expr> without(List<Var> idx, int axis) {
    List<Expr> out = new ArrayList<>(idx);
    out.remove(axis);
    return out;
  }
}
