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
import org.nnvm4j.tensor.topi.Pool;
import org.nnvm4j.tensor.topi.Topi;

/**
 * Depthwise conv2d in NCHW (groups == input channels, weight {@code [C * multiplier, 1, KH, KW]}), the
 * MobileNet layer, and max pooling (the same window without weights): vectorized over output columns.
 * For each (batch, channel) plane the input is copied into a local buffer of rows padded only
 * vertically, de-interleaved by the column stride ({@code [rows, stride, cols / stride]}) so that the taps
 * of a strided conv read contiguous vectors too, with guard rows (padding values) above and below. The
 * taps then load contiguous vectors without clamping: a vector that reaches past a row's ends reads the
 * neighbouring row (or a guard row), always inside the buffer, and the lanes outside the row are masked
 * (to zero, or to the lowest value for a max). The plane's output is computed in register tiles of
 * {@link #ROWS} rows x {@link #COLS} columns (taps unrolled, so the loads the tile's rows share are loaded
 * once), over rows and columns rounded up to the tile, and the fused epilogue (slice, bias, relu...)
 * writes the plane.
 */
final class X86Depthwise {
  static final String PAD = "depthwise_conv2d_rows";
  static final String PRODUCT = "depthwise_conv2d_tile";
  /**
   * Output rows and columns (one 8-lane vector) per register tile: 4 accumulators beside the 9 broadcast
   * weights and 3 column masks of a 3x3 window fit the 16 ymm registers (4 x 16 tiles spilled them and
   * ran 10-15% slower; 2, 6 or 8 rows were no faster).
   */
  static final int ROWS = 4, COLS = X86Schedules.LANES;
  /** Below this many multiply-adds the planes run serially (a parallel launch costs ~0.85 us). */
  static final long PARALLEL_MACS = 1 << 15;

  private X86Depthwise() {}

  /** Whether a conv2d of {@code data [N, C, H, W]}, {@code weight [O, I, KH, KW]} in {@code groups} groups is depthwise. */
  static boolean applies(long[] data, long[] weight, int groups) {
    return groups > 1 && groups == data[1] && weight[1] == 1 && weight[0] % groups == 0;
  }


  private static long roundUp(long a, long b) { return (a + b - 1) / b * b; }

  static Tensor conv2d(Tensor data, Tensor weight, Conv2d.Params p, String name) {
    long[] w = Topi.constShape(weight, name);
    Window win = new Window(new long[] {w[2], w[3]}, p.strides(), p.padding(), p.dilation(), false);
    return windowed(data, win, w[0] / Topi.constShape(data, name)[1], weight, name, Conv2d.TAG);
  }

  /** Max pooling in NCHW through the same rows and tiles: padding reads as the lowest value, not zero. */
  static Tensor maxPool(Tensor data, Pool.Params p, String name) {
    Window win = new Window(new long[] {p.window()[0], p.window()[1]}, p.strides(), p.padding(), new int[] {1, 1}, p.ceilMode());
    return windowed(data, win, 1, null, name, Pool.TAG);
  }

  /** A sliding window: its extents, strides, symmetric padding and dilation (each height, width), and ceil mode. */
  private record Window(long[] kernel, int[] strides, int[] padding, int[] dilation, boolean ceil) {
    long out(long in, int dim) {
      return ceil ? Pool.outExtent(in, (int) kernel[dim], strides[dim], padding[dim], true)
          : Conv2d.outExtent(in, kernel[dim], strides[dim], padding[dim], dilation[dim]);
    }
  }

  /**
   * The windowed product over {@code data [N, C, H, W]}: with {@code weight} {@code [C * mult, 1, KH, KW]} the
   * depthwise sum of products, without it the maximum.
   */
  private static Tensor windowed(Tensor data, Window win, long mult, Tensor weight, String name, String tag) {
    long[] d = Topi.constShape(data, name);
    int sh = win.strides()[0], sw = win.strides()[1], ph = win.padding()[0], pw = win.padding()[1];
    int dh = win.dilation()[0], dw = win.dilation()[1];
    long oc = d[1] * mult, kh = win.kernel()[0], kw = win.kernel()[1];
    long oh = win.out(d[2], 0), ow = win.out(d[3], 1);
    long ohp = roundUp(oh, ROWS), owp = roundUp(ow, COLS);
    long hp = (ohp - 1) * sh + (kh - 1) * dh + 1, wq = (d[3] + sw - 1) / sw, row = sw * wq;
    Expr fill = weight != null ? IrOps.zero(data.dtype()) : Te.lowest(data.dtype());
    // Column q of phase f holds input column q * sw + f; tap rx of output column x reads x + shift(rx).
    long minShift = Math.floorDiv(-pw, sw), maxQ = owp - 1 + Math.floorDiv((kw - 1) * dw - pw, sw);
    long top = Math.max(1, (-minShift + row - 1) / row), bottom = 1 + ((sw - 1) * wq + maxQ) / row;
    Tensor rows = Te.computeN(Te.shape(d[0], d[1], top + hp + bottom, sw, wq), i -> {
      Expr y = IrOps.sub(i.get(2), IrOps.i32(top + ph));
      Expr x = sw == 1 ? i.get(4) : IrOps.add(IrOps.mul(i.get(4), IrOps.i32(sw)), i.get(3));
      Expr inside = IrOps.and(IrOps.ge(y, IrOps.i32(0)), IrOps.lt(y, IrOps.i32(d[2])));
      if (d[3] % sw != 0) inside = IrOps.and(inside, IrOps.lt(x, IrOps.i32(d[3])));
      Expr col = d[3] % sw != 0 ? IrOps.min(x, IrOps.i32(d[3] - 1)) : x;
      return IrOps.select(inside, data.get(i.get(0), i.get(1), Topi.clamp(y, d[2]), col), fill);
    }, name + "_rows", PAD, Map.of());
    IterVar ry = Te.reduceAxis(kh, "ry");
    IterVar rx = Te.reduceAxis(kw, "rx");
    Expr m = IrOps.i32(mult), s = IrOps.i32(sw);
    Tensor tile = Te.computeN(Te.shape(d[0], oc, ohp, owp), i -> {
      Expr y = IrOps.add(IrOps.mul(i.get(2), IrOps.i32(sh)), whole(IrOps.add(IrOps.mul(ry.var(), IrOps.i32(dh)), IrOps.i32(top))));
      Expr tap = IrOps.sub(IrOps.mul(rx.var(), IrOps.i32(dw)), IrOps.i32(pw));
      Expr x = IrOps.add(IrOps.mul(i.get(3), s), tap);
      Expr v = rows.get(i.get(0), IrOps.floorDiv(i.get(1), m), y, whole(IrOps.floorMod(tap, s)), IrOps.add(i.get(3), whole(IrOps.floorDiv(tap, s))));
      Expr masked = IrOps.select(IrOps.and(IrOps.ge(x, IrOps.i32(0)), IrOps.lt(x, IrOps.i32(d[3]))), v, fill);
      if (weight == null) return Te.max(masked, ry, rx);
      return Te.sum(IrOps.mul(masked, weight.get(i.get(1), IrOps.i32(0), ry.var(), rx.var())), ry, rx);
    }, name + "_tile", PRODUCT, Map.of());
    return Te.computeN(Te.shape(d[0], oc, oh, ow), i -> tile.get(i.get(0), i.get(1), i.get(2), i.get(3)), name, tag, Map.of());
  }

  /**
   * {@code e} unchanged in value, written so that bound inference cannot follow it ({@code max} with the
   * lowest int) and gives the rows' whole extent in that dimension: the taps read past a row's ends on
   * purpose (into the neighbouring row or a guard row, masked), which a region fitted to the accesses
   * would cut off. A tap's scalar offset only, so that the column index stays a vector ramp.
   */
  private static Expr whole(Expr e) { return IrOps.max(e, IrOps.i32(Integer.MIN_VALUE)); }

  /**
   * Output {@code [N, O, OH, OW]} (with its epilogue, vectorized over columns) one (batch, channel) plane
   * at a time, planes in parallel when the conv is large enough. At each plane: the plane's padded rows
   * (vectorized along a row when the stride is 1; a strided row is left to LLVM's loop vectorizer, which
   * reads it as wide loads and shuffles), then the product into a local plane buffer in register tiles of
   * {@link #ROWS} x {@link #COLS}, taps outside the tile's rows and columns, all unrolled, columns vectorized.
   */
  static void schedule(Stage out, Stage tile, Stage rows) {
    List<IterVar> ax = out.axis();
    ComputeOp c = (ComputeOp) tile.op();
    long macs = 1;
    for (IterVar iv : c.axis()) macs *= IrOps.asLong(iv.dom().extent());
    for (IterVar iv : c.reduceAxis()) macs *= IrOps.asLong(iv.dom().extent());
    IterVar plane = out.fuse(ax.get(0), ax.get(1));
    if (macs >= PARALLEL_MACS) out.parallel(plane);
    out.vectorize(out.split(ax.get(3), COLS)[1]);
    tile.computeAt(out, plane);
    List<IterVar> t = c.axis();
    IterVar[] y = tile.split(t.get(2), ROWS);
    IterVar[] x = tile.split(t.get(3), COLS);
    IterVar ry = c.reduceAxis().get(0), rx = c.reduceAxis().get(1);
    tile.reorder(y[0], x[0], ry, rx, y[1], x[1]);
    tile.unroll(ry);
    tile.unroll(rx);
    tile.unroll(y[1]);
    tile.vectorize(x[1]);
    rows.computeAt(tile, t.get(1));
    List<IterVar> r = rows.axis();
    if (IrOps.isConst(r.get(3).dom().extent(), 1)) rows.vectorize(rows.split(r.get(4), X86Schedules.LANES)[1]);
  }
}
