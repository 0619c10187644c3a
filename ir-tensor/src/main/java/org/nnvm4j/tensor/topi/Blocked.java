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
 * The generic computes of the ops whose operands arrive prepacked in blocked layouts (TOPI's
 * {@code conv2d_NCHWc} and {@code dense_pack}): what a backend's AlterOpLayout turns conv2d and dense
 * into, so that the packing of the weights happens once, at compile time.
 */
public final class Blocked {
  public static final String CONV_TAG = "conv2d_NCHWc";
  public static final String DENSE_TAG = "dense_pack";

  private Blocked() {}

  /**
   * NCHW{ib}c data [N, IC/ib, H, W, ib] with OIHW{ib}i{ob}o weight [OC/ob, IC/ib, KH, KW, ib, ob] (groups = 1):
   * {@code out[n, co, y, x, oi] = sum(data[n, ci, y*sh + ky*dh - ph, x*sw + kx*dw - pw, cb] * w[co, ci, ky, kx, cb, oi])},
   * NCHW{ob}c [N, OC/ob, OH, OW, ob].
   */
  public static Tensor conv2dNchwc(Tensor data, Tensor weight, Conv2d.Params p, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    if (d.length != 5 || w.length != 6 || w[1] != d[1] || w[4] != d[4] || p.groups() != 1) {
      throw CompileException.invalid("%s: data %s (NCHWc) and weight %s (OIHWio) do not fit", name, Arrays.toString(d), Arrays.toString(w));
    }
    long oh = Conv2d.outExtent(d[2], w[2], p.strides()[0], p.padding()[0], p.dilation()[0]);
    long ow = Conv2d.outExtent(d[3], w[3], p.strides()[1], p.padding()[1], p.dilation()[1]);
    IterVar rco = Te.reduceAxis(d[1], "rco");
    IterVar ry = Te.reduceAxis(w[2], "ry");
    IterVar rx = Te.reduceAxis(w[3], "rx");
    IterVar rci = Te.reduceAxis(d[4], "rci");
    boolean guard = p.padding()[0] > 0 || p.padding()[1] > 0;
    return Te.computeN(Te.shape(d[0], w[0], oh, ow, w[5]), i -> {
      Expr y = IrOps.sub(IrOps.add(IrOps.mul(i.get(2), IrOps.i32(p.strides()[0])), IrOps.mul(ry.var(), IrOps.i32(p.dilation()[0]))),
          IrOps.i32(p.padding()[0]));
      Expr x = IrOps.sub(IrOps.add(IrOps.mul(i.get(3), IrOps.i32(p.strides()[1])), IrOps.mul(rx.var(), IrOps.i32(p.dilation()[1]))),
          IrOps.i32(p.padding()[1]));
      Expr v;
      if (guard) {
        Expr inside = IrOps.and(IrOps.and(IrOps.ge(y, IrOps.i32(0)), IrOps.lt(y, IrOps.i32(d[2]))),
            IrOps.and(IrOps.ge(x, IrOps.i32(0)), IrOps.lt(x, IrOps.i32(d[3]))));
        v = IrOps.select(inside, data.get(i.get(0), rco.var(), Topi.clamp(y, d[2]), Topi.clamp(x, d[3]), rci.var()), IrOps.zero(data.dtype()));
      } else {
        v = data.get(i.get(0), rco.var(), y, x, rci.var());
      }
      return Te.sum(IrOps.mul(v, weight.get(i.get(1), rco.var(), ry.var(), rx.var(), rci.var(), i.get(4))), rco, ry, rx, rci);
    }, name, CONV_TAG, Map.of());
  }

  /** {@code out[..., co, ..., oi] += bias[co * ob + oi]}: a [C] bias added to NCHW{ob}c data. */
  public static Tensor biasAddNchwc(Tensor x, Tensor bias, String name) {
    long ob = Topi.constShape(x, name)[4];
    return Te.computeN(x.shape(), i -> IrOps.add(x.get(i), bias.get(IrOps.add(IrOps.mul(i.get(1), IrOps.i32(ob)), i.get(4)))), name,
        Broadcast.TAG, Map.of());
  }

  /** data [M, K] with weight prepacked to [N/nb, K, nb] (layout NK{nb}n): {@code out[m, n] = sum_k data[m, k] * w[n / nb, k, n % nb]}. */
  public static Tensor densePack(Tensor data, Tensor weight, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    if (d.length != 2 || w.length != 3 || w[1] != d[1]) {
      throw CompileException.invalid("%s: data %s and packed weight %s do not fit", name, Arrays.toString(d), Arrays.toString(w));
    }
    IterVar rk = Te.reduceAxis(d[1], "k");
    Expr nb = IrOps.i32(w[2]);
    return Te.computeN(Te.shape(d[0], w[0] * w[2]), i -> Te.sum(IrOps.mul(data.get(i.get(0), rk.var()),
        weight.get(IrOps.floorDiv(i.get(1), nb), rk.var(), IrOps.floorMod(i.get(1), nb))), rk), name, DENSE_TAG, Map.of());
  }
}
