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

/** Injective layout computes (TOPI's {@code transform}): reshape, transpose, concatenate, expand_dims, squeeze, strided_slice, take, trilu, gather_elements, pad; tag {@code injective}. */
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

  /**
   * NumPy slicing of extent {@code n} by {@code begin:end:stride} (negative begin/end count from the end,
   * both clamp): {@code {first index, output extent}}.
   */
  public static long[] slice(long n, long begin, long end, long stride) {
    if (stride == 0) throw CompileException.invalid("slice stride must not be 0");
    if (begin < 0) begin += n;
    if (end < 0) end += n;
    if (stride > 0) {
      begin = Math.clamp(begin, 0, n);
      end = Math.clamp(end, 0, n);
      return new long[] {begin, Math.max(0, Math.ceilDiv(end - begin, stride))};
    }
    begin = Math.clamp(begin, -1, n - 1);
    end = Math.clamp(end, -1, n - 1);
    return new long[] {begin, Math.max(0, Math.ceilDiv(begin - end, -stride))};
  }

  /** The extents of {@code in} sliced by per-dimension {@code begin}, {@code end}, {@code stride} (see {@link #slice}). */
  public static long[] sliceShape(long[] in, long[] begin, long[] end, long[] stride) {
    long[] out = new long[in.length];
    for (int d = 0; d < in.length; d++) out[d] = slice(in[d], begin[d], end[d], stride[d])[1];
    return out;
  }

  /** {@code out[i...] = a[first_d + i_d * stride_d ...]}: NumPy's {@code a[begin:end:stride]} in every dimension. */
  public static Tensor stridedSlice(Tensor a, long[] begin, long[] end, long[] stride, String name) {
    long[] in = Topi.constShape(a, name);
    if (begin.length != in.length || end.length != in.length || stride.length != in.length) {
      throw CompileException.invalid("%s: begin, end and stride need %d values each", name, in.length);
    }
    long[] out = sliceShape(in, begin, end, stride);
    return Te.computeN(Te.shape(out), idx -> {
      List<Expr> src = new ArrayList<>();
      for (int d = 0; d < in.length; d++) {
        long first = slice(in[d], begin[d], end[d], stride[d])[0];
        src.add(IrOps.add(IrOps.i32(first), IrOps.mul(idx.get(d), IrOps.i32(stride[d]))));
      }
      return a.get(src);
    }, name, TAG, Map.of());
  }

  /**
   * {@code out[p..., j..., q...] = data[p..., indices[j...], q...]} along {@code axis}: the index is read
   * from {@code indices} (negative counts from the end) and clamped into bounds.
   */
  public static Tensor take(Tensor data, Tensor indices, int axis, String name) {
    long[] ds = Topi.constShape(data, name);
    long[] is = Topi.constShape(indices, name);
    if (!indices.dtype().isIntegral()) throw CompileException.invalid("%s: indices must be integers, got %s", name, indices.dtype());
    long[] out = takeShape(ds, is, axis);
    return Te.computeN(Te.shape(out), idx -> {
      List<Expr> at = new ArrayList<>(idx.subList(axis, axis + is.length));
      Expr k = IrOps.cast(org.nnvm4j.tensor.DType.I32, indices.get(at));
      k = IrOps.select(IrOps.lt(k, IrOps.i32(0)), IrOps.add(k, IrOps.i32(ds[axis])), k);
      List<Expr> src = new ArrayList<>(idx.subList(0, axis));
      src.add(Topi.clamp(k, ds[axis]));
      src.addAll(idx.subList(axis + is.length, idx.size()));
      return data.get(src);
    }, name, TAG, Map.of());
  }

  /** {@code data[:axis] + indices + data[axis+1:]}. */
  public static long[] takeShape(long[] data, long[] indices, int axis) {
    long[] out = new long[data.length - 1 + indices.length];
    System.arraycopy(data, 0, out, 0, axis);
    System.arraycopy(indices, 0, out, axis, indices.length);
    System.arraycopy(data, axis + 1, out, axis + indices.length, data.length - axis - 1);
    return out;
  }

  /**
   * {@code out[p..., i, j] = a[p..., i, j]} where {@code j - i >= k} ({@code upper}) or {@code j - i <= k}
   * (lower), else 0: the triangles of the last two dimensions.
   */
  public static Tensor trilu(Tensor a, boolean upper, long k, String name) {
    if (a.ndim() < 2) throw CompileException.invalid("%s: needs at least 2 dimensions, got %d", name, a.ndim());
    return Te.computeN(a.shape(), idx -> {
      Expr diff = IrOps.sub(idx.get(idx.size() - 1), idx.get(idx.size() - 2));
      Expr keep = upper ? IrOps.ge(diff, IrOps.i32(k)) : IrOps.le(diff, IrOps.i32(k));
      return IrOps.select(keep, a.get(idx), IrOps.zero(a.dtype()));
    }, name, TAG, Map.of());
  }

  /**
   * {@code out[i...] = data[i...]} with the index along {@code axis} replaced by {@code indices[i...]}
   * (negative counts from the end; clamped into bounds); the output has the shape of {@code indices}.
   */
  public static Tensor gatherElements(Tensor data, Tensor indices, int axis, String name) {
    long[] ds = Topi.constShape(data, name);
    Topi.constShape(indices, name);
    if (indices.ndim() != data.ndim()) throw CompileException.invalid("%s: data and indices ranks differ", name);
    if (!indices.dtype().isIntegral()) throw CompileException.invalid("%s: indices must be integers, got %s", name, indices.dtype());
    return Te.computeN(indices.shape(), idx -> {
      Expr k = IrOps.cast(org.nnvm4j.tensor.DType.I32, indices.get(idx));
      k = IrOps.select(IrOps.lt(k, IrOps.i32(0)), IrOps.add(k, IrOps.i32(ds[axis])), k);
      List<Expr> src = new ArrayList<>(idx);
      src.set(axis, Topi.clamp(k, ds[axis]));
      return data.get(src);
    }, name, TAG, Map.of());
  }

  /**
   * {@code a} padded by {@code before[d]} and {@code after[d]} elements per dimension (negative values
   * crop). Mode {@code constant} fills {@code value}; {@code edge} repeats the border, {@code reflect}
   * mirrors about it (pads shorter than the extent), {@code wrap} continues periodically.
   */
  public static Tensor pad(Tensor a, long[] before, long[] after, String mode, double value, String name) {
    long[] in = Topi.constShape(a, name);
    if (before.length != in.length || after.length != in.length) throw CompileException.invalid("%s: pads need %d values per side", name, in.length);
    long[] out = new long[in.length];
    for (int d = 0; d < in.length; d++) {
      out[d] = in[d] + before[d] + after[d];
      if (out[d] < 0) throw CompileException.invalid("%s: dimension %d would have extent %d", name, d, out[d]);
      if (mode.equals("reflect") && (before[d] >= in[d] || after[d] >= in[d])) {
        throw CompileException.invalid("%s: reflect pads of dimension %d must be shorter than its extent %d", name, d, in[d]);
      }
    }
    return Te.computeN(Te.shape(out), idx -> {
      List<Expr> src = new ArrayList<>();
      Expr inside = IrOps.bool(true);
      for (int d = 0; d < in.length; d++) {
        Expr j = IrOps.sub(idx.get(d), IrOps.i32(before[d]));
        Expr n = IrOps.i32(in[d]);
        switch (mode) {
          case "reflect" -> {
            j = IrOps.select(IrOps.lt(j, IrOps.i32(0)), IrOps.sub(IrOps.i32(0), j), j);
            j = IrOps.select(IrOps.ge(j, n), IrOps.sub(IrOps.i32(2 * (in[d] - 1)), j), j);
          }
          case "wrap" -> j = IrOps.floorMod(j, n);
          default -> {
            if (mode.equals("constant")) inside = IrOps.and(inside, IrOps.and(IrOps.ge(j, IrOps.i32(0)), IrOps.lt(j, n)));
          }
        }
        src.add(Topi.clamp(j, in[d]));
      }
      Expr v = a.get(src);
      return mode.equals("constant") ? IrOps.select(inside, v, IrOps.constant(a.dtype(), value)) : v;
    }, name, TAG, Map.of());
  }
}
