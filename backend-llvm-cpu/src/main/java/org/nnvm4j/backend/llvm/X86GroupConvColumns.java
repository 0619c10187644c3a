package org.nnvm4j.backend.llvm;

import java.util.List;
import java.util.Map;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.Topi;

/**
 * Grouped conv2d with 4 to 7 output channels per group and column stride 1 (ResNeXt 32x4d, ShuffleNet), vectorized
 * over output columns instead of channels: a channel block of {@link X86GroupConv} would fill at most half a vector
 * (4-lane blocks ran at a third of the FMA peak). The data is zero-padded in NCHW (widened so that the output columns
 * round up to the tile); a register tile is a group's output channels x {@link #vectors} vectors of 8 columns (at most
 * 12 accumulators), the reduction over the group's input channels and the kernel taps outside it: each step loads the
 * tile's columns of one input row contiguously, broadcasts one weight per output channel and issues channels x vectors
 * FMAs. Convs of fewer than 8 channels per group stay NCHW at opt level 3 (AlterOpLayout proposes nothing for them),
 * as blocked data would put the columns 16 floats apart; the strided ones among them keep the channel blocks of
 * {@link X86GroupConv} on NCHW data, so consecutive small-group convs pass NCHW data without a transform.
 */
final class X86GroupConvColumns {
  /** The tag of the product {@code [N, OC, OH, OWp]}. */
  static final String PRODUCT = "group_conv2d_columns";
  /** The attribute of the product that names the output channels per group (the tile's channels). */
  static final String GROUP_CHANNELS = "group_channels";

  private X86GroupConvColumns() {}

  /** Whether a grouped conv of {@code opg} output channels per group with these parameters takes this kernel. */
  static boolean applies(long opg, Conv2d.Params p) {
    return opg >= X86GroupConv.MIN_LANES && opg < X86Schedules.LANES && p.strides()[1] == 1;
  }

  /**
   * Vectors of 8 columns per register tile for {@code opg} output channels and {@code ow} output columns: as many as 12
   * accumulators allow (at most 3), or one fewer where that pads fewer columns (56 columns: 2 vectors pad to 64, 3 to
   * 72; measured 0.607 against 0.622 ms on ResNeXt's 56x56 layer).
   */
  static int vectors(long opg, long ow) {
    int hi = (int) Math.max(1, Math.min(3, 12 / opg)), lo = Math.max(1, hi - 1);
    long lanes = X86Schedules.LANES;
    return (ow + lo * lanes - 1) / (lo * lanes) * lo < (ow + hi * lanes - 1) / (hi * lanes) * hi ? lo : hi;
  }

  /** NCHW data, OIHW weight: pad, the product over columns rounded up to the tile, the output read back as NCHW. */
  static Tensor conv2d(Tensor data, Tensor weight, Conv2d.Params p, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    long cpg = w[1], opg = w[0] / p.groups();
    int sh = p.strides()[0], ph = p.padding()[0], pw = p.padding()[1], dh = p.dilation()[0], dw = p.dilation()[1];
    long oh = Conv2d.outExtent(d[2], w[2], sh, ph, dh), ow = Conv2d.outExtent(d[3], w[3], 1, pw, dw);
    int cols = vectors(opg, ow) * X86Schedules.LANES;
    long owp = (ow + cols - 1) / cols * cols;
    long hp = (oh - 1) * sh + (w[2] - 1) * dh + 1, wp = owp + (w[3] - 1) * dw;
    Tensor pad = Te.computeN(Te.shape(d[0], d[1], hp, wp), i -> {
      Expr y = IrOps.sub(i.get(2), IrOps.i32(ph)), x = IrOps.sub(i.get(3), IrOps.i32(pw));
      Expr inside = IrOps.and(IrOps.and(IrOps.ge(y, IrOps.i32(0)), IrOps.lt(y, IrOps.i32(d[2]))),
          IrOps.and(IrOps.ge(x, IrOps.i32(0)), IrOps.lt(x, IrOps.i32(d[3]))));
      return IrOps.select(inside, data.get(i.get(0), i.get(1), Topi.clamp(y, d[2]), Topi.clamp(x, d[3])), IrOps.zero(data.dtype()));
    }, name + "_pad", X86Computes.CONV_PAD, Map.of());
    IterVar rc = Te.reduceAxis(cpg, "rc");
    IterVar ry = Te.reduceAxis(w[2], "ry");
    IterVar rx = Te.reduceAxis(w[3], "rx");
    Tensor product = Te.computeN(Te.shape(d[0], w[0], oh, owp), i -> {
      Expr c = IrOps.add(IrOps.mul(IrOps.floorDiv(i.get(1), IrOps.i32(opg)), IrOps.i32(cpg)), rc.var());
      Expr y = IrOps.add(IrOps.mul(i.get(2), IrOps.i32(sh)), IrOps.mul(ry.var(), IrOps.i32(dh)));
      Expr x = IrOps.add(i.get(3), IrOps.mul(rx.var(), IrOps.i32(dw)));
      return Te.sum(IrOps.mul(pad.get(i.get(0), c, y, x), weight.get(i.get(1), rc.var(), ry.var(), rx.var())), rc, ry, rx);
    }, name + "_product", PRODUCT, Map.of(X86Computes.TILE_COLS, cols, GROUP_CHANNELS, (int) opg));
    return Te.computeN(Te.shape(d[0], w[0], oh, ow), i -> product.get(i), name, Conv2d.TAG, Map.of());
  }

  /**
   * Output tiles of one group's channels x the tile's columns, (batch, row, group) in parallel; the product at the
   * tile: channels and vectors unrolled, 8 columns vectorized, the reduction outside them; the padding parallel by rows.
   */
  static void schedule(Stage out, Stage product, Stage pad) {
    Map<String, Object> attrs = ((ComputeOp) product.op()).attrs();
    List<IterVar> ax = out.axis();
    IterVar[] c = out.split(ax.get(1), (Integer) attrs.get(GROUP_CHANNELS));
    IterVar[] x = out.split(ax.get(3), (Integer) attrs.get(X86Computes.TILE_COLS));
    out.reorder(ax.get(0), ax.get(2), c[0], x[0], c[1], x[1]);
    out.parallel(out.fuse(out.fuse(ax.get(0), ax.get(2)), c[0]));
    product.computeAt(out, x[0]);
    List<IterVar> p = List.copyOf(product.leafIterVars());
    IterVar[] v = product.split(p.get(3), X86Schedules.LANES);
    product.reorder(p.get(0), p.get(2), p.get(4), p.get(5), p.get(6), p.get(1), v[0], v[1]);
    product.unroll(p.get(1));
    product.unroll(v[0]);
    product.vectorize(v[1]);
    List<IterVar> pa = pad.axis();
    pad.parallel(pad.fuse(pad.fuse(pa.get(0), pa.get(1)), pa.get(2)));
  }
}
