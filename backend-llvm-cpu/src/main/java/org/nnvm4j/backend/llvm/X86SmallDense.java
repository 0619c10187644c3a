package org.nnvm4j.backend.llvm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.topi.Topi;

/**
 * Dense with fewer rows than a register tile ({@link X86Computes#DENSE_ROWS}), e.g. an MLP at batch 1:
 * a matrix-vector product, bound by reading the weight once. Packing the weight per call (as the tiled
 * dense does) would read and write it once more, so the weight is read in its own [N, K] layout: each
 * output is a dot product of a data row with a weight row, computed as {@link #LANES} lane-wise partial
 * sums over k (contiguous vector loads of both rows, several output rows at once for independent
 * accumulators), then summed across the lanes (and the k tail) in the output's epilogue.
 */
final class X86SmallDense {
  /** The attribute-free tag of the lane-partial product {@code [M, Np, LANES]}. */
  static final String DOT = "dense_lane_dot";
  /** k elements per partial-sum step: two 8-lane AVX2 vectors. */
  static final int LANES = 16;
  /**
   * Below this many multiply-adds the tiles run serially. A matrix-vector product is bound by the weight's
   * trip from L3, which a second core shares: 2 threads measured 1.09x at 131K and 1.25x at 401K
   * multiply-adds on an idle moment, while a parallel region whose worker the OS has not scheduled (a
   * shared machine) cost milliseconds instead of microseconds.
   */
  static final long PARALLEL_MACS = 1 << 20;

  private X86SmallDense() {}

  /** Output rows (weight rows) per tile for {@code m} data rows: at most 12 accumulators of 8 lanes. */
  static int tileRows(long m) { return (int) Math.max(1, Math.min(4, 6 / m)); }

  /** Whether {@code data [m, k]} takes this path: fewer rows than a tile, and a k of at least one vector. */
  static boolean applies(long m, long k) { return m < X86Computes.DENSE_ROWS && k >= LANES / 2; }

  /**
   * {@code out[m, n] = sum_k data[m, k] * weight[n, k]}: {@code dot[m, n, j] = sum_ko data[m, ko*L + j] * weight[n, ko*L + j]}
   * over rows rounded up to the tile (clamped reads), then {@code out[m, n] = sum_j dot[m, n, j] + the k tail}.
   */
  static Tensor dense(Tensor data, Tensor weight, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    long m = d[0], k = d[1], n = w[0];
    int lanes = k >= LANES ? LANES : LANES / 2;
    long steps = k / lanes, tail = k % lanes, rows = tileRows(m);
    long np = (n + rows - 1) / rows * rows;
    IterVar ko = Te.reduceAxis(steps, "ko");
    Expr l = IrOps.i32(lanes);
    Tensor dot = Te.computeN(Te.shape(m, np, lanes), i -> {
      Expr kk = IrOps.add(IrOps.mul(ko.var(), l), i.get(2));
      return Te.sum(IrOps.mul(data.get(i.get(0), kk), weight.get(Topi.clamp(i.get(1), n), kk)), ko);
    }, name + "_dot", DOT, Map.of());
    return Te.computeN(Te.shape(m, n), i -> {
      List<Expr> terms = new ArrayList<>();
      for (int j = 0; j < lanes; j++) terms.add(dot.get(i.get(0), i.get(1), IrOps.i32(j)));
      for (long t = steps * lanes; t < k; t++) {
        terms.add(IrOps.mul(data.get(i.get(0), IrOps.i32(t)), weight.get(i.get(1), IrOps.i32(t))));
      }
      return pairwiseSum(terms);
    }, name, "dense", Map.of());
  }

  /** {@code terms} summed as a balanced tree (independent adds, and the rounding of a pairwise sum). */
  static Expr pairwiseSum(List<Expr> terms) { return tree(terms, IrOps::add); }

  /** {@code terms} combined by {@code op} as a balanced tree. */
  static Expr tree(List<Expr> terms, BinaryOperator<Expr> op) {
    List<Expr> level = terms;
    while (level.size() > 1) {
      List<Expr> next = new ArrayList<>();
      for (int i = 0; i + 1 < level.size(); i += 2) next.add(op.apply(level.get(i), level.get(i + 1)));
      if (level.size() % 2 == 1) next.add(level.get(level.size() - 1));
      level = next;
    }
    return level.get(0);
  }

  /**
   * Output {@code [M, N]} (with its fused epilogue) tiled by {@link #tileRows} output columns; the
   * lane-partial product computed at each tile into registers: k steps outermost, the tile's data rows
   * and weight rows unrolled, the lanes vectorized. Tiles run in parallel when the product is large enough.
   */
  static void schedule(Stage out, Stage dot) {
    List<IterVar> ax = out.axis();
    ComputeOp c = (ComputeOp) dot.op();
    long m = IrOps.asLong(c.axis().get(0).dom().extent()), rows = tileRows(m);
    long macs = m * IrOps.asLong(c.axis().get(1).dom().extent()) * IrOps.asLong(c.axis().get(2).dom().extent())
        * IrOps.asLong(c.reduceAxis().get(0).dom().extent());
    IterVar[] n = out.split(ax.get(1), (int) rows);
    out.reorder(n[0], ax.get(0), n[1]);
    if (macs >= PARALLEL_MACS) out.parallel(n[0]);
    dot.computeAt(out, n[0]);
    List<IterVar> p = List.copyOf(dot.leafIterVars());
    dot.reorder(p.get(3), p.get(0), p.get(1), p.get(2));
    dot.unroll(p.get(0));
    dot.unroll(p.get(1));
    dot.vectorize(p.get(2));
  }
}
