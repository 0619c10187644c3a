package org.nnvm4j.backend.llvm;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.tir.IterVar;

/**
 * Register-blocked micro-kernels for the blocked computes of {@link X86Computes}: each output tile's
 * product is computed at the tile's loop into a small local buffer whose row loop is unrolled and whose
 * 16-wide channel axis is vectorized, with the reduction outside both, so that LLVM keeps the 12
 * accumulators in ymm registers; the fused epilogue (slice, bias, relu...) runs when the tile is written.
 */
final class X86Tiles {
  private X86Tiles() {}

  /**
   * Dense: output tiles of {@link X86Computes#DENSE_ROWS} x the product's block (16, or 8 for a prepacked
   * weight of 8-column blocks), rows of tiles in parallel; {@code pack} is null when the weight came prepacked.
   */
  static void dense(Schedule s, Stage out, Stage product, Stage pack) {
    List<IterVar> ax = out.axis();
    long block = X86Schedules.extents(((ComputeOp) product.op()).axis())[2];
    IterVar[] t = out.tile(ax.get(0), ax.get(1), X86Computes.DENSE_ROWS, (int) block);
    out.vectorize(t[3]);
    out.parallel(t[0]);
    product.computeAt(out, t[1]);
    List<IterVar> p = List.copyOf(product.leafIterVars());
    product.reorder(p.get(1), p.get(3), p.get(0), p.get(2));
    product.unroll(p.get(0));
    product.vectorize(p.get(2));
    if (pack != null) packStage(pack);
  }

  /**
   * A blocked conv of {@link X86ConvNd} over any number of spatial axes (conv2d's among them): output tiles
   * of the product's channel block (16 or 8) x {@link X86Computes#tileCols} columns of the last axis;
   * (batch, channel block, outer spatial axes) in parallel. Where the product interleaves {@link X86ConvNd#TILE_PHASES} phases along the
   * last axis (a strided transposed conv), the tile covers that many times the columns, all phases of each,
   * so that the product's tile is the phases' columns and the reduction runs once per phase.
   */
  static void conv(Schedule s, Stage out, Stage product, Stage pack, Stage pad) {
    List<IterVar> ax = out.axis();
    int last = ax.size() - 1;
    ComputeOp op = (ComputeOp) product.op();
    int a = op.axis().size();
    IterVar[] c = out.split(ax.get(1), (int) X86Schedules.extents(op.axis())[a - 1]);
    IterVar w = ax.get(last);
    IterVar phase = null;
    if (op.attrs().get(X86ConvNd.TILE_PHASES) instanceof Integer phases) {
      IterVar[] sp = out.split(w, phases);
      w = sp[0];
      phase = sp[1];
    }
    IterVar[] x = out.split(w, (Integer) op.attrs().get(X86Computes.TILE_COLS));
    List<IterVar> outer = new ArrayList<>(List.of(ax.get(0), c[0]));
    outer.addAll(ax.subList(2, last));
    List<IterVar> order = new ArrayList<>(outer);
    order.add(x[0]);
    if (phase != null) order.add(phase);
    order.addAll(List.of(c[1], x[1]));
    out.reorder(order.toArray(IterVar[]::new));
    out.parallel(X86Schedules.fuse(out, outer));
    product.computeAt(out, x[0]);
    List<IterVar> p = List.copyOf(product.leafIterVars());
    List<IterVar> inner = new ArrayList<>(p.subList(0, a - 2));
    inner.addAll(p.subList(a + 1, p.size())); // the kernel taps, then the input channels innermost
    inner.addAll(List.of(p.get(a), p.get(a - 2), p.get(a - 1)));
    product.reorder(inner.toArray(IterVar[]::new));
    product.unroll(p.get(a - 2));
    product.vectorize(p.get(a - 1));
    packStage(pack);
    List<IterVar> pa = pad.axis();
    IterVar padRows = X86Schedules.fuse(pad, pa.subList(0, pa.size() - 2));
    // read channels-first rows contiguously; one channels-last row stays in L1
    pad.reorder(padRows, pa.get(pa.size() - 1), pa.get(pa.size() - 2));
    // with one spatial axis the rows are the batch alone: (batch, channel) in parallel
    pad.parallel(pa.size() > 3 ? padRows : pad.fuse(padRows, pa.get(pa.size() - 1)));
  }

  /**
   * conv2d_NCHWc with a prepacked kernel: output tiles of {@link X86Computes#tileCols} columns x the channel
   * block, the block vectorized; (batch, channel block, row) in parallel; the reduction (input channel
   * block, kernel row, kernel column, channel in block) outside the unrolled columns, as in {@link #conv2d}.
   */
  static void conv2dNchwc(Stage out, Stage product, Stage pad) {
    List<IterVar> ax = out.axis();
    IterVar[] x = out.split(ax.get(3), (Integer) ((ComputeOp) product.op()).attrs().get(X86Computes.TILE_COLS));
    out.reorder(ax.get(0), ax.get(1), ax.get(2), x[0], x[1], ax.get(4));
    IterVar rows = out.fuse(out.fuse(ax.get(0), ax.get(1)), ax.get(2));
    out.parallel(rows);
    out.vectorize(ax.get(4));
    product.computeAt(out, x[0]);
    List<IterVar> p = List.copyOf(product.leafIterVars());
    product.reorder(p.get(0), p.get(1), p.get(2), p.get(5), p.get(6), p.get(7), p.get(8), p.get(3), p.get(4));
    product.unroll(p.get(3));
    product.vectorize(p.get(4));
    if (pad != null) {
      List<IterVar> pa = pad.axis();
      pad.parallel(pad.fuse(pad.fuse(pa.get(0), pa.get(1)), pa.get(2)));
      pad.vectorize(pa.get(4)); // the channel block: contiguous in the data and the copy, one test per pixel
    }
  }

  private static void packStage(Stage pack) {
    List<IterVar> a = pack.axis();
    pack.parallel(a.get(0));
    pack.vectorize(a.get(a.size() - 1));
  }
}
