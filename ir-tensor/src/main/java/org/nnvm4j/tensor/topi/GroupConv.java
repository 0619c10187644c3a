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
 * Grouped 2-d convolution on channel-blocked operands (TOPI's {@code group_conv2d_NCHWc}): what a backend's
 * AlterOpLayout turns a grouped conv2d into, so that its weight is packed once, at compile time, into
 * blocks of output channels that lie inside one group. The data block need not divide the channels per
 * group (a block may hold several groups, as the NCHW16c output of the previous conv does), so the
 * channel index is computed per input channel; tag {@code group_conv2d_NCHWc}.
 */
public final class GroupConv {
  public static final String TAG = "group_conv2d_NCHWc";

  private GroupConv() {}

  /**
   * Checks NCHW{ib}c data {@code d}, an OIHW{k}i{b}o weight {@code w}, the groups and the output block of a grouped blocked
   * conv: the weight holds C/groups input channels, its output block divides the output channels per group, the output
   * block divides the output channels.
   */
  public static void check(long[] d, long[] w, int g, long outBlock, String name) {
    if (d.length != 5 || w.length != 6) {
      throw CompileException.invalid("%s: data %s (NCHWc) and weight %s (OIHWio) do not fit", name, Arrays.toString(d), Arrays.toString(w));
    }
    long c = d[1] * d[4], oc = w[0] * w[5], cpg = w[1] * w[4];
    if (c % g != 0 || oc % g != 0 || cpg * g != c || (oc / g) % w[5] != 0 || oc % outBlock != 0) {
      throw CompileException.invalid("%s: data %s (NCHWc), weight %s (OIHWio), groups=%d and output block %d do not fit: the weight's output"
          + " block must divide the channels per group", name, Arrays.toString(d), Arrays.toString(w), g, outBlock);
    }
  }

  /**
   * NCHW{ib}c data {@code [N, C/ib, H, W, ib]} with an OIHW{kib}i{ob}o weight {@code [OC/ob, C/groups/kib, KH, KW, kib, ob]}
   * (the OIHW weight {@code [OC, C/groups, KH, KW]} blocked): {@code out[n, o, y, x] = sum(data[n, g*cpg + c, y*sh + ky*dh - ph,
   * x*sw + kx*dw - pw] * weight[o, c, ky, kx])} with {@code g = o / (OC/groups)}, written NCHW{outBlock}c
   * {@code [N, OC/outBlock, OH, OW, outBlock]}.
   */
  public static Tensor nchwc(Tensor data, Tensor weight, Conv2d.Params p, int outBlock, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    check(d, w, p.groups(), outBlock, name);
    int g = p.groups();
    long ib = d[4], oc = w[0] * w[5], cpg = w[1] * w[4];
    long opg = oc / g, kib = w[4], ob = w[5];
    long oh = Conv2d.outExtent(d[2], w[2], p.strides()[0], p.padding()[0], p.dilation()[0]);
    long ow = Conv2d.outExtent(d[3], w[3], p.strides()[1], p.padding()[1], p.dilation()[1]);
    IterVar rc = Te.reduceAxis(cpg, "rc");
    IterVar ry = Te.reduceAxis(w[2], "ry");
    IterVar rx = Te.reduceAxis(w[3], "rx");
    boolean guard = p.padding()[0] > 0 || p.padding()[1] > 0;
    return Te.computeN(Te.shape(d[0], oc / outBlock, oh, ow, outBlock), i -> {
      Expr o = IrOps.add(IrOps.mul(i.get(1), IrOps.i32(outBlock)), i.get(4));
      Expr ch = IrOps.add(IrOps.mul(IrOps.floorDiv(o, IrOps.i32(opg)), IrOps.i32(cpg)), rc.var());
      Expr y = IrOps.sub(IrOps.add(IrOps.mul(i.get(2), IrOps.i32(p.strides()[0])), IrOps.mul(ry.var(), IrOps.i32(p.dilation()[0]))),
          IrOps.i32(p.padding()[0]));
      Expr x = IrOps.sub(IrOps.add(IrOps.mul(i.get(3), IrOps.i32(p.strides()[1])), IrOps.mul(rx.var(), IrOps.i32(p.dilation()[1]))),
          IrOps.i32(p.padding()[1]));
      Expr cb = IrOps.floorDiv(ch, IrOps.i32(ib)), ci = IrOps.floorMod(ch, IrOps.i32(ib));
      Expr v = data.get(i.get(0), cb, guard ? Topi.clamp(y, d[2]) : y, guard ? Topi.clamp(x, d[3]) : x, ci);
      if (guard) {
        Expr inside = IrOps.and(IrOps.and(IrOps.ge(y, IrOps.i32(0)), IrOps.lt(y, IrOps.i32(d[2]))),
            IrOps.and(IrOps.ge(x, IrOps.i32(0)), IrOps.lt(x, IrOps.i32(d[3]))));
        v = IrOps.select(inside, v, IrOps.zero(data.dtype()));
      }
      Expr k = weight.get(IrOps.floorDiv(o, IrOps.i32(ob)), IrOps.floorDiv(rc.var(), IrOps.i32(kib)), ry.var(), rx.var(),
          IrOps.floorMod(rc.var(), IrOps.i32(kib)), IrOps.floorMod(o, IrOps.i32(ob)));
      return Te.sum(IrOps.mul(v, k), rc, ry, rx);
    }, name, TAG, Map.of());
  }
}
