package org.nnvm4j.backend.llvm;

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

  /** Dense: output tiles of {@link X86Computes#DENSE_ROWS} x {@link X86Computes#BLOCK}, rows of tiles in parallel. */
  static void dense(Schedule s, Stage out, Stage product, Stage pack) {
    List<IterVar> ax = out.axis();
    IterVar[] t = out.tile(ax.get(0), ax.get(1), X86Computes.DENSE_ROWS, X86Computes.BLOCK);
    out.vectorize(t[3]);
    out.parallel(t[0]);
    product.computeAt(out, t[1]);
    List<IterVar> p = List.copyOf(product.leafIterVars());
    product.reorder(p.get(1), p.get(3), p.get(0), p.get(2));
    product.unroll(p.get(0));
    product.vectorize(p.get(2));
    packStage(pack);
  }

  /** Conv2d: output tiles of 16 channels x {@link X86Computes#tileCols} columns; (batch, channel block, row) in parallel. */
  static void conv2d(Schedule s, Stage out, Stage product, Stage pack, Stage pad) {
    List<IterVar> ax = out.axis();
    IterVar[] c = out.split(ax.get(1), X86Computes.BLOCK);
    IterVar[] x = out.split(ax.get(3), (Integer) ((ComputeOp) product.op()).attrs().get(X86Computes.TILE_COLS));
    out.reorder(ax.get(0), c[0], ax.get(2), x[0], c[1], x[1]);
    IterVar rows = out.fuse(out.fuse(ax.get(0), c[0]), ax.get(2));
    out.parallel(rows);
    product.computeAt(out, x[0]);
    List<IterVar> p = List.copyOf(product.leafIterVars());
    product.reorder(p.get(0), p.get(1), p.get(2), p.get(6), p.get(7), p.get(5), p.get(3), p.get(4));
    product.unroll(p.get(3));
    product.vectorize(p.get(4));
    packStage(pack);
    List<IterVar> pa = pad.axis();
    IterVar padRows = pad.fuse(pa.get(0), pa.get(1));
    pad.reorder(padRows, pa.get(3), pa.get(2)); // read NCHW rows contiguously; one NHWC row stays in L1
    pad.parallel(padRows);
  }

  private static void packStage(Stage pack) {
    List<IterVar> a = pack.axis();
    pack.parallel(a.get(0));
    pack.vectorize(a.get(a.size() - 1));
  }
}
