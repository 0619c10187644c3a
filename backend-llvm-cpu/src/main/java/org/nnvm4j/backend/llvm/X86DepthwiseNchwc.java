package org.nnvm4j.backend.llvm;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nnvm4j.graph.pass.AlterOpLayout;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.topi.BlockedDepthwise;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.Topi;

/**
 * Depthwise conv2d in NCHW{c}c on x86 (TVM's {@code depthwise_conv2d_NCHWc} strategy): AlterOpLayout's
 * choice for a float32 depthwise conv2d, and the compute and schedule of the op it becomes. The channel
 * block is the vector: every tap of an output tile is one vector load of the input and one FMA per
 * accumulator, with no shuffles, whatever the stride. Each parallel task (batch, channel block, block of
 * {@link #rowBlock} output rows) first copies the input rows its outputs read into a local buffer, zero
 * padded on every side and wide enough for the tiles' overshoot, so that the taps read it without guards;
 * then computes the rows into a local buffer in register tiles of {@link X86Computes#tileCols} output
 * columns x the channel block (taps and columns unrolled, the block vectorized) and writes them through the
 * fused epilogue (bias, relu...). A channel multiplier above 1, or data and output blocks that differ, read
 * the input lane by lane (correct, not tuned: AlterOpLayout gives MobileNet's depthwise convs equal blocks).
 */
final class X86DepthwiseNchwc {
  static final String PAD = "depthwise_nchwc_pad";
  static final String PRODUCT = "depthwise_nchwc_tile";

  private X86DepthwiseNchwc() {}

  /**
   * AlterOpLayout for a float32 depthwise NCHW conv2d (groups == input channels, weight {@code [C * m, 1, KH, KW]}):
   * {@code depthwise_conv2d_NCHWc} with data in {@link X86Computes#channelBlock}{@code (C)} and output in
   * {@code channelBlock(C * m)} blocks, the blocks the conv2d_NCHWc producing and consuming the same channels
   * choose, so that no transform sits between them; empty where no block fits (the conv keeps NCHW).
   */
  static Optional<AlterOpLayout.Proposal> alterOpLayout(Map<String, String> attrs, List<Shape> shapes) {
    if (!attrs.getOrDefault("layout", "NCHW").equals("NCHW") || !attrs.getOrDefault("kernel_layout", "OIHW").equals("OIHW")
        || shapes.get(0).rank() != 4 || shapes.get(1).rank() != 4) {
      return Optional.empty();
    }
    long[] d = shapes.get(0).toArray(), w = shapes.get(1).toArray();
    if (!X86Depthwise.applies(d, w, Integer.parseInt(attrs.getOrDefault("groups", "1").trim()))) return Optional.empty();
    int ib = X86Computes.channelBlock(d[1]), ob = X86Computes.channelBlock(w[0]);
    if (ib < 0 || ob < 0) return Optional.empty();
    return Optional.of(X86Computes.blockedConv(BlockedDepthwise.TAG, attrs, shapes.size() > 2, ib, "OIHW1i" + ob + "o", ob));
  }

  /**
   * Output rows per parallel task: 4 to 8 (the padded buffer of a task's rows stays in L2 and its rows are
   * copied at most {@code (R - 1 + KH) / R} times), the fewest rows past the output's, then the most rows.
   */
  static int rowBlock(long oh) {
    int best = 8;
    for (int r = 8; r >= 4; r--) if (roundUp(oh, r) < roundUp(oh, best)) best = r;
    return (int) Math.min(best, oh);
  }

  private static long roundUp(long a, long b) { return (a + b - 1) / b * b; }

  /**
   * The product {@code [N, OC/ob, OHp, OWp, ob]} over output rows and columns rounded up to the task and
   * the tile, read back as NCHW{ob}c {@code [N, OC/ob, OH, OW, ob]}. Data {@code [N, C/ib, H, W, ib]} is read
   * through a zero-padded copy of {@code [N, C/ib, HP, WP, ib]} (none when no padding or overshoot needs one).
   */
  static Tensor conv2d(Tensor data, Tensor kernel, Conv2d.Params p, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(kernel, name);
    int sh = p.strides()[0], sw = p.strides()[1], ph = p.padding()[0], pw = p.padding()[1];
    int dh = p.dilation()[0], dw = p.dilation()[1];
    long kh = w[2], kw = w[3], ib = d[4], ob = w[5], mult = BlockedDepthwise.multiplier(d, w, name);
    long oh = Conv2d.outExtent(d[2], kh, sh, ph, dh), ow = Conv2d.outExtent(d[3], kw, sw, pw, dw);
    int cols = X86Computes.tileCols(ow, ob), rows = rowBlock(oh);
    long ohp = roundUp(oh, rows), owp = roundUp(ow, cols);
    long hp = (ohp - 1) * sh + (kh - 1) * dh + 1, wp = (owp - 1) * sw + (kw - 1) * dw + 1;
    Tensor src = data;
    if (ph > 0 || pw > 0 || hp > d[2] || wp > d[3]) {
      src = Te.computeN(Te.shape(d[0], d[1], hp, wp, ib), i -> {
        Expr y = IrOps.sub(i.get(2), IrOps.i32(ph)), x = IrOps.sub(i.get(3), IrOps.i32(pw));
        Expr inside = IrOps.and(IrOps.and(IrOps.ge(y, IrOps.i32(0)), IrOps.lt(y, IrOps.i32(d[2]))),
            IrOps.and(IrOps.ge(x, IrOps.i32(0)), IrOps.lt(x, IrOps.i32(d[3]))));
        return IrOps.ifThenElse(inside, data.get(i.get(0), i.get(1), y, x, i.get(4)), IrOps.zero(data.dtype()));
      }, name + "_pad", PAD, Map.of());
    }
    Tensor padded = src;
    IterVar ry = Te.reduceAxis(kh, "ry");
    IterVar rx = Te.reduceAxis(kw, "rx");
    Tensor tile = Te.computeN(Te.shape(d[0], w[0], ohp, owp, ob), i -> {
      Expr y = IrOps.add(IrOps.mul(i.get(2), IrOps.i32(sh)), IrOps.mul(ry.var(), IrOps.i32(dh)));
      Expr x = IrOps.add(IrOps.mul(i.get(3), IrOps.i32(sw)), IrOps.mul(rx.var(), IrOps.i32(dw)));
      Expr cb = i.get(1), ci = i.get(4);
      if (mult != 1 || ib != ob) {
        Expr c = IrOps.add(IrOps.mul(i.get(1), IrOps.i32(ob)), i.get(4));
        if (mult != 1) c = IrOps.floorDiv(c, IrOps.i32(mult));
        cb = IrOps.floorDiv(c, IrOps.i32(ib));
        ci = IrOps.floorMod(c, IrOps.i32(ib));
      }
      return Te.sum(IrOps.mul(padded.get(i.get(0), cb, y, x, ci), kernel.get(i.get(1), IrOps.i32(0), ry.var(), rx.var(), IrOps.i32(0),
          i.get(4))), ry, rx);
    }, name + "_tile", PRODUCT, Map.of(X86Computes.TILE_COLS, cols));
    return Te.computeN(Te.shape(d[0], w[0], oh, ow, ob), i -> tile.get(i), name, BlockedDepthwise.TAG, Map.of());
  }

  /**
   * Output {@code [N, OC/ob, OH, OW, ob]} (with its epilogue, the block vectorized): (batch, channel block,
   * block of rows) fused into tasks, parallel when there is enough work. At each task: the padded rows
   * ({@code pad}, null when there is none), then the product of the task's rows into a local buffer, in tiles
   * of {@link X86Computes#TILE_COLS} columns with the taps outside the columns, all unrolled and the block
   * vectorized, so that a tile's accumulators stay in registers across the taps.
   */
  static void schedule(Stage out, Stage tile, Stage pad) {
    ComputeOp c = (ComputeOp) tile.op();
    long macs = 1;
    for (IterVar iv : c.axis()) macs *= IrOps.asLong(iv.dom().extent());
    for (IterVar iv : c.reduceAxis()) macs *= IrOps.asLong(iv.dom().extent());
    List<IterVar> ax = out.axis();
    IterVar[] y = out.split(ax.get(2), rowBlock(IrOps.asLong(ax.get(2).dom().extent())));
    out.reorder(ax.get(0), ax.get(1), y[0], y[1], ax.get(3), ax.get(4));
    IterVar task = out.fuse(out.fuse(ax.get(0), ax.get(1)), y[0]);
    if (macs >= X86Depthwise.PARALLEL_MACS) out.parallel(task);
    out.vectorize(ax.get(4));
    tile.computeAt(out, task);
    List<IterVar> t = c.axis();
    IterVar[] tx = tile.split(t.get(3), (Integer) c.attrs().get(X86Computes.TILE_COLS));
    IterVar ry = c.reduceAxis().get(0), rx = c.reduceAxis().get(1);
    tile.reorder(t.get(0), t.get(1), t.get(2), tx[0], ry, rx, tx[1], t.get(4));
    tile.unroll(ry);
    tile.unroll(rx);
    tile.unroll(tx[1]);
    tile.vectorize(t.get(4));
    if (pad != null) {
      pad.computeAt(tile, t.get(1));
      pad.vectorize(pad.axis().get(4));
    }
  }
}
