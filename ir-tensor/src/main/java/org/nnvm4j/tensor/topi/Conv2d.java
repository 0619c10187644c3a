package org.nnvm4j.tensor.topi;

import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;

/** 2-d convolution in NCHW layout with OIHW weights (TOPI's {@code conv2d_nchw}), groups, padding, strides, dilation; tag {@code conv2d_nchw}. */
public final class Conv2d {
  public static final String TAG = "conv2d_nchw";

  /** Strides, symmetric zero padding and dilation, each (height, width), and the group count. */
  public record Params(int[] strides, int[] padding, int[] dilation, int groups) {}

  private Conv2d() {}

  /** The output extent of one spatial dimension. */
  public static long outExtent(long in, long kernel, int stride, int pad, int dilation) {
    return (in + 2L * pad - (long) dilation * (kernel - 1) - 1) / stride + 1;
  }

  /** {@code out[n, o, y, x] = sum(data[n, g*cpg + c, y*sh + ky*dh - ph, x*sw + kx*dw - pw] * weight[o, c, ky, kx])}. */
  public static Tensor nchw(Tensor data, Tensor weight, Params p, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    if (d.length != 4 || w.length != 4 || d[1] % p.groups() != 0 || w[0] % p.groups() != 0 || w[1] * p.groups() != d[1]) {
      throw CompileException.invalid("%s: data %s and weight %s do not fit groups=%d", name, java.util.Arrays.toString(d),
          java.util.Arrays.toString(w), p.groups());
    }
    long oh = outExtent(d[2], w[2], p.strides()[0], p.padding()[0], p.dilation()[0]);
    long ow = outExtent(d[3], w[3], p.strides()[1], p.padding()[1], p.dilation()[1]);
    long cpg = w[1];
    long opg = w[0] / p.groups();
    IterVar rc = Te.reduceAxis(cpg, "rc");
    IterVar ry = Te.reduceAxis(w[2], "ry");
    IterVar rx = Te.reduceAxis(w[3], "rx");
    return Te.computeN(Te.shape(d[0], w[0], oh, ow), idx -> {
      Expr c = IrOps.add(IrOps.mul(IrOps.floorDiv(idx.get(1), IrOps.i32(opg)), IrOps.i32(cpg)), rc.var());
      Expr y = IrOps.sub(IrOps.add(IrOps.mul(idx.get(2), IrOps.i32(p.strides()[0])), IrOps.mul(ry.var(), IrOps.i32(p.dilation()[0]))),
          IrOps.i32(p.padding()[0]));
      Expr x = IrOps.sub(IrOps.add(IrOps.mul(idx.get(3), IrOps.i32(p.strides()[1])), IrOps.mul(rx.var(), IrOps.i32(p.dilation()[1]))),
          IrOps.i32(p.padding()[1]));
      Expr v = Pool.padded(data, idx.get(0), c, y, x, d, IrOps.zero(data.dtype()),
          p.padding()[0] > 0 || p.padding()[1] > 0);
      return Te.sum(IrOps.mul(v, weight.get(idx.get(1), rc.var(), ry.var(), rx.var())), rc, ry, rx);
    }, name, TAG, Map.of());
  }

  /** The operator tag of {@link #nhwc}. */
  public static final String TAG_NHWC = "conv2d_nhwc";

  /**
   * NHWC data with HWIO weights (TOPI's {@code conv2d_nhwc}): {@code out[n, y, x, o] = sum(data[n, y*sh + ky*dh - ph,
   * x*sw + kx*dw - pw, g*cpg + c] * weight[ky, kx, c, o])}, g the group of o.
   */
  public static Tensor nhwc(Tensor data, Tensor weight, Params p, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    if (d.length != 4 || w.length != 4 || d[3] % p.groups() != 0 || w[3] % p.groups() != 0 || w[2] * p.groups() != d[3]) {
      throw CompileException.invalid("%s: NHWC data %s and HWIO weight %s do not fit groups=%d", name, java.util.Arrays.toString(d),
          java.util.Arrays.toString(w), p.groups());
    }
    long oh = outExtent(d[1], w[0], p.strides()[0], p.padding()[0], p.dilation()[0]);
    long ow = outExtent(d[2], w[1], p.strides()[1], p.padding()[1], p.dilation()[1]);
    long cpg = w[2];
    long opg = w[3] / p.groups();
    IterVar rc = Te.reduceAxis(cpg, "rc");
    IterVar ry = Te.reduceAxis(w[0], "ry");
    IterVar rx = Te.reduceAxis(w[1], "rx");
    boolean pad = p.padding()[0] > 0 || p.padding()[1] > 0;
    return Te.computeN(Te.shape(d[0], oh, ow, w[3]), idx -> {
      Expr c = IrOps.add(IrOps.mul(IrOps.floorDiv(idx.get(3), IrOps.i32(opg)), IrOps.i32(cpg)), rc.var());
      Expr y = IrOps.sub(IrOps.add(IrOps.mul(idx.get(1), IrOps.i32(p.strides()[0])), IrOps.mul(ry.var(), IrOps.i32(p.dilation()[0]))),
          IrOps.i32(p.padding()[0]));
      Expr x = IrOps.sub(IrOps.add(IrOps.mul(idx.get(2), IrOps.i32(p.strides()[1])), IrOps.mul(rx.var(), IrOps.i32(p.dilation()[1]))),
          IrOps.i32(p.padding()[1]));
      Expr v = data.get(idx.get(0), pad ? Topi.clamp(y, d[1]) : y, pad ? Topi.clamp(x, d[2]) : x, c);
      if (pad) {
        Expr inside = IrOps.and(IrOps.and(IrOps.ge(y, IrOps.i32(0)), IrOps.lt(y, IrOps.i32(d[1]))),
            IrOps.and(IrOps.ge(x, IrOps.i32(0)), IrOps.lt(x, IrOps.i32(d[2]))));
        v = IrOps.select(inside, v, IrOps.zero(data.dtype()));
      }
      return Te.sum(IrOps.mul(v, weight.get(ry.var(), rx.var(), rc.var(), idx.get(3))), rc, ry, rx);
    }, name, TAG_NHWC, Map.of());
  }

  /** {@code out[..., c] = x[..., c] + bias[c]}: the bias stage of an NHWC conv2d. */
  public static Tensor biasAddLast(Tensor x, Tensor bias, String name) {
    return Te.computeN(x.shape(), idx -> IrOps.add(x.get(idx), bias.get(List.of(idx.get(idx.size() - 1)))), name, Broadcast.TAG, Map.of());
  }

  /** {@code out[n, c, ...] = x[n, c, ...] + bias[c]}: the bias stage of conv2d and dense. */
  public static Tensor biasAdd(Tensor x, Tensor bias, String name) {
    return Te.computeN(x.shape(), idx -> IrOps.add(x.get(idx), bias.get(List.of(idx.get(1)))), name, Broadcast.TAG, Map.of());
  }
}
