package org.nnvm4j.tensor.topi;

import java.util.Arrays;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;

/**
 * The generic compute of {@code depthwise_conv2d_NCHWc} (TOPI's {@code depthwise_conv2d_NCHWc}): the
 * depthwise conv2d that a backend's AlterOpLayout puts between blocked convolutions, so that the data stays
 * in NCHW{c}c and the weight is packed once, at compile time.
 */
public final class BlockedDepthwise {
  public static final String TAG = "depthwise_conv2d_NCHWc";

  private BlockedDepthwise() {}

  /**
   * The channel multiplier (output channels per input channel) of data of shape {@code d} (NCHW{ib}c) and a
   * weight of shape {@code w} (OIHW1i{ob}o).
   *
   * @throws CompileException naming op {@code name} when the shapes do not fit
   */
  public static long multiplier(long[] d, long[] w, String name) {
    if (d.length != 5 || w.length != 6 || w[1] != 1 || w[4] != 1 || (w[0] * w[5]) % (d[1] * d[4]) != 0) {
      throw CompileException.invalid("%s: data %s (NCHWc) and weight %s (OIHW1i{o}o) do not fit: the output channels must be a multiple of "
          + "the input channels", name, Arrays.toString(d), Arrays.toString(w));
    }
    return w[0] * w[5] / (d[1] * d[4]);
  }

  /**
   * NCHW{ib}c data [N, C/ib, H, W, ib] with OIHW1i{ob}o weight [OC/ob, 1, KH, KW, 1, ob], where output
   * channel {@code o} reads input channel {@code o / (OC / C)} (the channel multiplier):
   * {@code out[n, co, y, x, oi] = sum(data[n, c / ib, y*sh + ky*dh - ph, x*sw + kx*dw - pw, c % ib] * w[co, 0, ky, kx, 0, oi])}
   * with {@code c = (co * ob + oi) / multiplier}; NCHW{ob}c [N, OC/ob, OH, OW, ob]. Padding reads zero.
   */
  public static Tensor conv2d(Tensor data, Tensor weight, Conv2d.Params p, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    long mult = multiplier(d, w, name), ib = d[4], ob = w[5];
    long oh = Conv2d.outExtent(d[2], w[2], p.strides()[0], p.padding()[0], p.dilation()[0]);
    long ow = Conv2d.outExtent(d[3], w[3], p.strides()[1], p.padding()[1], p.dilation()[1]);
    IterVar ry = Te.reduceAxis(w[2], "ry");
    IterVar rx = Te.reduceAxis(w[3], "rx");
    boolean guard = p.padding()[0] > 0 || p.padding()[1] > 0;
    return Te.computeN(Te.shape(d[0], w[0], oh, ow, ob), i -> {
      Expr y = IrOps.sub(IrOps.add(IrOps.mul(i.get(2), IrOps.i32(p.strides()[0])), IrOps.mul(ry.var(), IrOps.i32(p.dilation()[0]))),
          IrOps.i32(p.padding()[0]));
      Expr x = IrOps.sub(IrOps.add(IrOps.mul(i.get(3), IrOps.i32(p.strides()[1])), IrOps.mul(rx.var(), IrOps.i32(p.dilation()[1]))),
          IrOps.i32(p.padding()[1]));
      Expr c = IrOps.add(IrOps.mul(i.get(1), IrOps.i32(ob)), i.get(4));
      if (mult != 1) c = IrOps.floorDiv(c, IrOps.i32(mult));
      Expr cb = IrOps.floorDiv(c, IrOps.i32(ib)), ci = IrOps.floorMod(c, IrOps.i32(ib));
      Expr v;
      if (guard) {
        Expr inside = IrOps.and(IrOps.and(IrOps.ge(y, IrOps.i32(0)), IrOps.lt(y, IrOps.i32(d[2]))),
            IrOps.and(IrOps.ge(x, IrOps.i32(0)), IrOps.lt(x, IrOps.i32(d[3]))));
        v = IrOps.select(inside, data.get(i.get(0), cb, Topi.clamp(y, d[2]), Topi.clamp(x, d[3]), ci), IrOps.zero(data.dtype()));
      } else {
        v = data.get(i.get(0), cb, y, x, ci);
      }
      return Te.sum(IrOps.mul(v, weight.get(i.get(1), IrOps.i32(0), ry.var(), rx.var(), IrOps.i32(0), i.get(4))), ry, rx);
    }, name, TAG, Map.of());
  }
}
