package org.nnvm4j.tensor.topi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Var;

/** Injective layout computes (TOPI's {@code transform}): reshape, transpose, concatenate, expand_dims, squeeze; tag {@code injective}. */
public final class Transform {
  public static final String TAG = "injective";

  private Transform() {}

  /** {@code a} read in row-major order into {@code shape} (same element count). */
  public static Tensor reshape(Tensor a, long[] shape, String name) {
    long[] in = Topi.constShape(a, name);
    if (Topi.product(in, 0, in.length) != Topi.product(shape, 0, shape.length)) {
      throw CompileException.invalid("%s: cannot reshape %s into %s", name, Arrays.toString(in), Arrays.toString(shape));
    }
    return Te.computeN(Te.shape(shape), idx -> {
      Expr linear = IrOps.i32(0);
      for (int d = 0; d < shape.length; d++) linear = IrOps.add(IrOps.mul(linear, IrOps.i32(shape[d])), idx.get(d));
      List<Expr> src = new ArrayList<>();
      for (int d = 0; d < in.length; d++) {
        Expr q = IrOps.floorDiv(linear, IrOps.i32(Topi.product(in, d + 1, in.length)));
        src.add(d == 0 ? q : IrOps.floorMod(q, IrOps.i32(in[d])));
      }
      return a.get(src);
    }, name, TAG, Map.of());
  }

  /** Output dimension {@code d} is input dimension {@code axes[d]}. */
  public static Tensor transpose(Tensor a, int[] axes, String name) {
    List<Expr> shape = new ArrayList<>();
    for (int ax : axes) shape.add(a.shape().get(ax));
    return Te.computeN(shape, idx -> {
      Expr[] src = new Expr[axes.length];
      for (int d = 0; d < axes.length; d++) src[axes[d]] = idx.get(d);
      return a.get(src);
    }, name, TAG, Map.of());
  }

  /** The tensors joined along {@code axis}; the other dimensions must agree. */
  public static Tensor concatenate(List<Tensor> parts, int axis, String name) {
    long[] first = Topi.constShape(parts.get(0), name);
    long[] offsets = new long[parts.size() + 1];
    for (int k = 0; k < parts.size(); k++) offsets[k + 1] = offsets[k] + Topi.constShape(parts.get(k), name)[axis];
    long[] out = first.clone();
    out[axis] = offsets[parts.size()];
    return Te.computeN(Te.shape(out), idx -> {
      Expr v = null;
      for (int k = parts.size() - 1; k >= 0; k--) {
        List<Expr> src = new ArrayList<>(idx);
        long extent = offsets[k + 1] - offsets[k];
        src.set(axis, Topi.clamp(IrOps.sub(idx.get(axis), IrOps.i32(offsets[k])), extent));
        Expr load = parts.get(k).get(src);
        v = v == null ? load : IrOps.select(IrOps.lt(idx.get(axis), IrOps.i32(offsets[k + 1])), load, v);
      }
      return v;
    }, name, TAG, Map.of());
  }

  /** {@code count} dimensions of extent 1 inserted before dimension {@code axis}. */
  public static Tensor expandDims(Tensor a, int axis, int count, String name) {
    List<Expr> shape = new ArrayList<>(a.shape());
    for (int i = 0; i < count; i++) shape.add(axis, IrOps.i32(1));
    return Te.computeN(shape, idx -> {
      List<Var> src = new ArrayList<>(idx);
      src.subList(axis, axis + count).clear();
      return a.get(src);
    }, name, TAG, Map.of());
  }

  /** {@code a} without the listed dimensions, which must have extent 1. */
  public static Tensor squeeze(Tensor a, int[] axes, String name) {
    boolean[] dropped = new boolean[a.ndim()];
    for (int ax : axes) dropped[ax] = true;
    List<Expr> shape = new ArrayList<>();
    for (int d = 0; d < a.ndim(); d++) if (!dropped[d]) shape.add(a.shape().get(d));
    return Te.computeN(shape, idx -> {
      List<Expr> src = new ArrayList<>();
      int k = 0;
      for (int d = 0; d < a.ndim(); d++) src.add(dropped[d] ? IrOps.i32(0) : idx.get(k++));
      return a.get(src);
    }, name, TAG, Map.of());
  }
}
