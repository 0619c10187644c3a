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
import org.nnvm4j.tensor.tir.IterVar;

/**
 * Convolution and transposed convolution over any number of spatial axes, channels first
 * ({@code NCW}, {@code NCHW}, {@code NCDHW}; weights {@code OI...} and {@code IO...}), with groups,
 * strides, dilation and padding that may differ at the two ends of an axis; tags {@code conv_nd} and
 * {@code conv_transpose_nd}. The convolution also runs channels last ({@link Order#CHANNELS_LAST}:
 * {@code NWC}/{@code WIO}, {@code NDHWC}/{@code DHWIO}, TOPI's {@code conv1d_nwc} and {@code conv3d_ndhwc}).
 */
public final class ConvNd {
  public static final String TAG = "conv_nd";
  public static final String TRANSPOSE_TAG = "conv_transpose_nd";

  /**
   * One value per spatial axis: strides, dilation, zero padding before and after; the group count;
   * for the transposed form the extra extent added at the end of each output axis ({@code outputPadding}).
   */
  public record Params(int[] strides, int[] dilation, int[] padBegin, int[] padEnd, int groups, int[] outputPadding) {
    public Params {
      int r = strides.length;
      if (dilation.length != r || padBegin.length != r || padEnd.length != r || outputPadding.length != r) {
        throw CompileException.invalid("conv: strides %s, dilation %s, padding %s/%s and output padding %s must have one value per"
            + " spatial axis", Arrays.toString(strides), Arrays.toString(dilation), Arrays.toString(padBegin), Arrays.toString(padEnd),
            Arrays.toString(outputPadding));
      }
    }

    /** Parameters of a plain convolution (no output padding). */
    public static Params of(int[] strides, int[] dilation, int[] padBegin, int[] padEnd, int groups) {
      return new Params(strides, dilation, padBegin, padEnd, groups, new int[strides.length]);
    }

    public int spatial() { return strides.length; }
  }

  /**
   * Where a convolution's channel axes sit. Channels first: data and output {@code [N, C, spatial...]},
   * weight {@code [O, I/groups, k...]} (ONNX, NNVM's NCW/NCDHW). Channels last: data and output
   * {@code [N, spatial..., C]}, weight {@code [k..., I/groups, O]} (TensorFlow's NWC/WIO, NDHWC/DHWIO), so
   * that the channels of one position are contiguous.
   */
  public enum Order {
    CHANNELS_FIRST, CHANNELS_LAST;

    /** The channel axis of data or output of rank {@code rank}. */
    public int channel(int rank) { return this == CHANNELS_FIRST ? 1 : rank - 1; }

    /** The axis of spatial axis {@code i} in data or output. */
    public int spatial(int i) { return this == CHANNELS_FIRST ? i + 2 : i + 1; }

    /** The output-channel axis of a weight of rank {@code rank}. */
    public int weightOut(int rank) { return this == CHANNELS_FIRST ? 0 : rank - 1; }

    /** The input-channel (per group) axis of a weight of rank {@code rank}. */
    public int weightIn(int rank) { return this == CHANNELS_FIRST ? 1 : rank - 2; }

    /** The axis of kernel extent {@code i} in the weight. */
    public int weightSpatial(int i) { return this == CHANNELS_FIRST ? i + 2 : i; }

    /** A data or output index (or shape) from its batch, channel and spatial parts, in this order. */
    public <T> List<T> data(T n, T c, List<T> spatial) {
      List<T> out = new ArrayList<>(spatial.size() + 2);
      out.add(n);
      if (this == CHANNELS_FIRST) out.add(c);
      out.addAll(spatial);
      if (this == CHANNELS_LAST) out.add(c);
      return out;
    }

    /** A weight index (or shape) from its output channel, input channel and kernel parts, in this order. */
    public <T> List<T> weight(T o, T i, List<T> kernel) {
      List<T> out = new ArrayList<>(kernel.size() + 2);
      if (this == CHANNELS_FIRST) {
        out.add(o);
        out.add(i);
      }
      out.addAll(kernel);
      if (this == CHANNELS_LAST) {
        out.add(i);
        out.add(o);
      }
      return out;
    }
  }

  private ConvNd() {}

  /** The output extent of one spatial axis of a convolution. */
  public static long outExtent(long in, long kernel, int stride, int padBegin, int padEnd, int dilation) {
    return Math.floorDiv(in + padBegin + padEnd - (long) dilation * (kernel - 1) - 1, stride) + 1;
  }

  /** The output extent of one spatial axis of a transposed convolution. */
  public static long transposeExtent(long in, long kernel, int stride, int padBegin, int padEnd, int dilation, int outputPadding) {
    return (in - 1) * stride + (long) dilation * (kernel - 1) + 1 - padBegin - padEnd + outputPadding;
  }

  /** The output shape of {@link #conv}: {@code [N, O, out...]}. */
  public static long[] convShape(long[] d, long[] w, Params p) { return convShape(d, w, p, Order.CHANNELS_FIRST); }

  /** The output shape of a convolution of data {@code d} and weight {@code w}, both in {@code order}. */
  public static long[] convShape(long[] d, long[] w, Params p, Order order) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < p.spatial(); i++) {
      out.add(outExtent(d[order.spatial(i)], w[order.weightSpatial(i)], p.strides()[i], p.padBegin()[i], p.padEnd()[i], p.dilation()[i]));
    }
    return order.data(d[0], w[order.weightOut(w.length)], out).stream().mapToLong(Long::longValue).toArray();
  }

  /** The output shape of {@link #transpose}: {@code [N, W1 * groups, out...]}. */
  public static long[] transposeShape(long[] d, long[] w, Params p) {
    long[] out = new long[d.length];
    out[0] = d[0];
    out[1] = w[1] * p.groups();
    for (int i = 0; i < p.spatial(); i++) {
      out[i + 2] = transposeExtent(d[i + 2], w[i + 2], p.strides()[i], p.padBegin()[i], p.padEnd()[i], p.dilation()[i],
          p.outputPadding()[i]);
    }
    return out;
  }

  /**
   * {@code out[n, o, y...] = sum(data[n, g*cpg + c, y*s + k*d - pb ...] * weight[o, c, k...])}, where
   * {@code g = o / (O / groups)} and positions outside the data read zero.
   */
  public static Tensor conv(Tensor data, Tensor weight, Params p, String name) { return conv(data, weight, p, Order.CHANNELS_FIRST, name); }

  /** {@link #conv} with data, weight and output in {@code order} (channels last: {@code out[n, y..., o]}, weight {@code [k..., c, o]}). */
  public static Tensor conv(Tensor data, Tensor weight, Params p, Order order, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    int r = p.spatial();
    if (d.length != r + 2 || w.length != r + 2) {
      throw CompileException.invalid("%s: data %s and weight %s do not have %d spatial axes", name, Arrays.toString(d), Arrays.toString(w), r);
    }
    long ic = d[order.channel(r + 2)], oc = w[order.weightOut(r + 2)], cpg = w[order.weightIn(r + 2)];
    if (ic % p.groups() != 0 || oc % p.groups() != 0 || cpg * p.groups() != ic) {
      throw CompileException.invalid("%s: data %s and weight %s (%s) do not fit groups=%d", name, Arrays.toString(d), Arrays.toString(w),
          order, p.groups());
    }
    long[] outShape = convShape(d, w, p, order);
    long opg = oc / p.groups();
    IterVar rc = Te.reduceAxis(cpg, "rc");
    IterVar[] rk = new IterVar[r];
    for (int i = 0; i < r; i++) rk[i] = Te.reduceAxis(w[order.weightSpatial(i)], "rk" + i);
    IterVar[] all = concat(rc, rk);
    boolean guard = Arrays.stream(p.padBegin()).anyMatch(x -> x > 0) || Arrays.stream(p.padEnd()).anyMatch(x -> x > 0);
    int outC = order.channel(r + 2);
    return Te.computeN(Te.shape(outShape), idx -> {
      Expr c = IrOps.add(IrOps.mul(IrOps.floorDiv(idx.get(outC), IrOps.i32(opg)), IrOps.i32(cpg)), rc.var());
      Expr[] pos = new Expr[r];
      for (int i = 0; i < r; i++) {
        pos[i] = IrOps.sub(IrOps.add(IrOps.mul(idx.get(order.spatial(i)), IrOps.i32(p.strides()[i])),
            IrOps.mul(rk[i].var(), IrOps.i32(p.dilation()[i]))), IrOps.i32(p.padBegin()[i]));
      }
      Expr v = guard ? guardedLoad(data, order, idx.get(0), c, pos, d, IrOps.zero(data.dtype()), IrOps.bool(true))
          : data.get(order.data(idx.get(0), c, Arrays.asList(pos)));
      return Te.sum(IrOps.mul(v, weight.get(order.weight(idx.get(outC), rc.var(), Arrays.asList(vars(rk))))), all);
    }, name, TAG, Map.of());
  }

  /**
   * The transposed convolution (the gradient of {@link #conv} with respect to its data): weight
   * {@code [C, O/groups, k...]}; {@code out[n, o, y...] = sum(data[n, g*cpg + c, q...] * weight[g*cpg + c, o % opg, k...])}
   * over the taps where {@code y + pb - k*d = q*s} with {@code q} inside the data. A strided, undilated
   * axis visits only the taps of its phase: with {@code y + pb = Q*s + ph}, {@code k = ph + j*s} and
   * {@code q = Q - j} for {@code j < ceil(K / s)}, s times fewer than all K taps.
   */
  public static Tensor transpose(Tensor data, Tensor weight, Params p, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    int r = p.spatial();
    if (d.length != r + 2 || w.length != r + 2 || w[0] != d[1] || d[1] % p.groups() != 0) {
      throw CompileException.invalid("%s: data %s and weight %s do not fit %d spatial axes and groups=%d", name, Arrays.toString(d),
          Arrays.toString(w), r, p.groups());
    }
    long[] outShape = transposeShape(d, w, p);
    long cpg = d[1] / p.groups();
    long opg = w[1];
    IterVar rc = Te.reduceAxis(cpg, "rc");
    IterVar[] rk = new IterVar[r];
    boolean[] phased = new boolean[r];
    for (int i = 0; i < r; i++) {
      phased[i] = p.strides()[i] > 1 && p.dilation()[i] == 1;
      rk[i] = Te.reduceAxis(phased[i] ? Math.ceilDiv(w[i + 2], p.strides()[i]) : w[i + 2], "rk" + i);
    }
    return Te.computeN(Te.shape(outShape), idx -> {
      Expr c = IrOps.add(IrOps.mul(IrOps.floorDiv(idx.get(1), IrOps.i32(opg)), IrOps.i32(cpg)), rc.var());
      Expr[] q = new Expr[r];
      Expr[] k = new Expr[r];
      Expr hit = IrOps.bool(true);
      for (int i = 0; i < r; i++) {
        Expr s = IrOps.i32(p.strides()[i]);
        Expr y = IrOps.add(idx.get(i + 2), IrOps.i32(p.padBegin()[i]));
        if (phased[i]) {
          k[i] = IrOps.add(IrOps.floorMod(y, s), IrOps.mul(rk[i].var(), s));
          q[i] = IrOps.sub(IrOps.floorDiv(y, s), rk[i].var());
          if (w[i + 2] % p.strides()[i] != 0) hit = IrOps.and(hit, IrOps.lt(k[i], IrOps.i32(w[i + 2])));
          k[i] = Topi.clamp(k[i], w[i + 2]);
        } else {
          Expr t = IrOps.sub(y, IrOps.mul(rk[i].var(), IrOps.i32(p.dilation()[i])));
          k[i] = rk[i].var();
          q[i] = IrOps.floorDiv(t, s);
          if (p.strides()[i] > 1) hit = IrOps.and(hit, IrOps.eq(IrOps.floorMod(t, s), IrOps.i32(0)));
        }
      }
      Expr v = guardedLoad(data, idx.get(0), c, q, d, IrOps.zero(data.dtype()), hit);
      Expr kw = weight.get(withSpatial(c, IrOps.floorMod(idx.get(1), IrOps.i32(opg)), k));
      return Te.sum(IrOps.mul(v, kw), concat(rc, rk));
    }, name, TRANSPOSE_TAG, Map.of());
  }

  /**
   * {@code data[n, c, pos...]} when {@code extra} holds and every position lies inside {@code shape},
   * else {@code fill}; the load index is clamped, so no backend reads out of bounds.
   */
  public static Expr guardedLoad(Tensor data, Expr n, Expr c, Expr[] pos, long[] shape, Expr fill, Expr extra) {
    return guardedLoad(data, Order.CHANNELS_FIRST, n, c, pos, shape, fill, extra);
  }

  /** {@link #guardedLoad} of data whose axes are in {@code order}. */
  static Expr guardedLoad(Tensor data, Order order, Expr n, Expr c, Expr[] pos, long[] shape, Expr fill, Expr extra) {
    Expr inside = extra;
    Expr[] clamped = new Expr[pos.length];
    for (int i = 0; i < pos.length; i++) {
      long extent = shape[order.spatial(i)];
      inside = IrOps.and(inside, IrOps.and(IrOps.ge(pos[i], IrOps.i32(0)), IrOps.lt(pos[i], IrOps.i32(extent))));
      clamped[i] = Topi.clamp(pos[i], extent);
    }
    return IrOps.select(inside, data.get(order.data(n, c, Arrays.asList(clamped))), fill);
  }

  /** {@code [n, c, spatial...]} as an index list. */
  public static List<Expr> withSpatial(Expr n, Expr c, Expr[] spatial) { return Order.CHANNELS_FIRST.data(n, c, Arrays.asList(spatial)); }

  static Expr[] vars(IterVar[] axes) {
    Expr[] out = new Expr[axes.length];
    for (int i = 0; i < axes.length; i++) out[i] = axes[i].var();
    return out;
  }

  private static IterVar[] concat(IterVar first, IterVar[] rest) {
    IterVar[] all = new IterVar[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}
