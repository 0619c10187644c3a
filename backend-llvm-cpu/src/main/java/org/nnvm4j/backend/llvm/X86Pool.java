package org.nnvm4j.backend.llvm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.topi.Pool;
import org.nnvm4j.tensor.topi.Topi;

/**
 * Global average and max pooling in NCHW and NCHW{c}c. The generic compute reduces a channel's H x W
 * values as one serial chain of dependent adds (latency-bound) at the root; in NCHW here each row is
 * reduced on its own (rows interleaved, so the chains run side by side), the row results combined as a
 * balanced tree in the output's expression, and the channels run in parallel when the pool is large
 * enough. In NCHW{c}c (what AlterOpLayout leaves before a classifier at opt level 3) the channel block is
 * innermost in memory, so a block's accumulator is a vector: the window loops run outside it and the block
 * is vectorized, one contiguous load per pixel. Windowed max and average pools of NCHW{c}c data (the
 * generic compute) get the same treatment in {@link #scheduleBlockedWindow}.
 */
final class X86Pool {
  static final String ROWS = "global_pool_rows";
  static final String BLOCKED = "global_pool_blocked";
  /** Most rows combined in one output expression (and unrolled as independent chains). */
  static final int MAX_ROWS = 32;
  /** Below this many input elements the channels run serially. */
  static final long PARALLEL_ELEMENTS = 1 << 16;

  private X86Pool() {}

  /** Whether a global pool over {@code data [N, C, H, W]} takes this path. */
  static boolean applies(long[] data) { return data.length == 4 && data[2] <= MAX_ROWS; }

  static Tensor global(Tensor data, boolean avg, String name) {
    long[] d = Topi.constShape(data, name);
    IterVar rx = Te.reduceAxis(d[3], "rx");
    Tensor rows = Te.computeN(Te.shape(d[0], d[1], d[2]), i -> {
      Expr v = data.get(i.get(0), i.get(1), i.get(2), rx.var());
      return avg ? Te.sum(v, rx) : Te.max(v, rx);
    }, name + "_rows", ROWS, Map.of());
    return Te.computeN(Te.shape(d[0], d[1], 1, 1), i -> {
      List<Expr> terms = new ArrayList<>();
      for (int y = 0; y < d[2]; y++) terms.add(rows.get(i.get(0), i.get(1), IrOps.i32(y)));
      if (!avg) return X86SmallDense.tree(terms, IrOps::max);
      return IrOps.div(X86SmallDense.pairwiseSum(terms), IrOps.cast(data.dtype(), IrOps.i32(d[2] * d[3])));
    }, name, Pool.TAG, Map.of());
  }

  /** Global pooling of NCHW{c}c {@code data [N, C/c, H, W, c]}: a vector accumulator per channel block, then the mean. */
  static Tensor globalBlocked(Tensor data, boolean avg, String name) {
    long[] d = Topi.constShape(data, name);
    IterVar ry = Te.reduceAxis(d[2], "ry"), rx = Te.reduceAxis(d[3], "rx");
    Tensor acc = Te.computeN(Te.shape(d[0], d[1], d[4]), i -> {
      Expr v = data.get(i.get(0), i.get(1), ry.var(), rx.var(), i.get(2));
      return avg ? Te.sum(v, ry, rx) : Te.max(v, ry, rx);
    }, name + "_acc", BLOCKED, Map.of());
    return Te.computeN(Te.shape(d[0], d[1], 1, 1, d[4]), i -> {
      Expr v = acc.get(i.get(0), i.get(1), i.get(4));
      return avg ? IrOps.div(v, IrOps.cast(data.dtype(), IrOps.i32(d[2] * d[3]))) : v;
    }, name, Pool.TAG, Map.of());
  }

  /**
   * (batch, channel block) fused, parallel when large; the block's accumulator computed there with the
   * window loops outside the block, which is vectorized where it divides by {@link X86Schedules#LANES}.
   */
  static void scheduleBlocked(Stage out, Stage acc) {
    List<IterVar> ax = out.axis();
    ComputeOp c = (ComputeOp) acc.op();
    long[] e = X86Schedules.extents(c.axis());
    long elements = e[0] * e[1] * e[2] * IrOps.asLong(c.reduceAxis().get(0).dom().extent()) * IrOps.asLong(c.reduceAxis().get(1).dom().extent());
    IterVar plane = X86Schedules.fuse(out, ax.subList(0, 4));
    if (elements >= PARALLEL_ELEMENTS) out.parallel(plane);
    acc.computeAt(out, plane);
    List<IterVar> r = c.axis();
    acc.reorder(r.get(0), r.get(1), c.reduceAxis().get(0), c.reduceAxis().get(1), r.get(2));
    if (e[2] % X86Schedules.LANES == 0) {
      acc.vectorize(r.get(2));
      out.vectorize(ax.get(4));
    }
  }

  /**
   * Schedules a group whose windowed pool (the generic {@link Pool#pool2d} compute: tag {@link Pool#TAG}
   * with window reductions) reads NCHW{c}c data, as opt level 3 leaves ResNet's max pool between blocked
   * convs; false where the group holds none. The output's (batch, block, row) loops run in parallel, and
   * each output pixel's window is reduced with the channel block innermost and vectorized, so a tap is one
   * contiguous load and one vector max or add; the generic reduction schedule ran one scalar chain per
   * element, recomputing its indices by division. An average's divide (and any element-wise op fused after
   * the pool) is the output stage, vectorized over the block as well.
   */
  static boolean scheduleBlockedWindow(Schedule s, Tensor out) {
    Stage pool = null;
    for (Stage st : s.stages()) {
      if (st.op() instanceof ComputeOp c && c.tag().equals(Pool.TAG) && c.reduceAxis().size() == 2 && c.axis().size() == 5) pool = st;
    }
    Stage o = s.get(out);
    if (pool == null || o.axis().size() != 5) return false;
    ComputeOp c = (ComputeOp) pool.op();
    List<IterVar> ax = o.axis();
    long[] e = X86Schedules.extents(ax);
    IterVar rows = X86Schedules.fuse(o, ax.subList(0, 3));
    if (e[0] * e[1] * e[2] * e[3] * e[4] * 9 >= X86Schedules.PARALLEL_MIN) o.parallel(rows);
    if (pool == o) {
      o.reorder(ax.get(3), c.reduceAxis().get(0), c.reduceAxis().get(1), ax.get(4));
    } else {
      pool.computeAt(o, ax.get(3));
      List<IterVar> p = c.axis();
      pool.reorder(p.get(0), p.get(1), p.get(2), p.get(3), c.reduceAxis().get(0), c.reduceAxis().get(1), p.get(4));
      pool.vectorize(p.get(4));
    }
    o.vectorize(ax.get(4));
    return true;
  }

  /** (batch, channel) fused, parallel when large; a channel's row results computed there, columns outer and rows unrolled. */
  static void schedule(Stage out, Stage rows) {
    List<IterVar> ax = out.axis();
    ComputeOp c = (ComputeOp) rows.op();
    long elements = 1;
    for (IterVar iv : c.axis()) elements *= IrOps.asLong(iv.dom().extent());
    elements *= IrOps.asLong(c.reduceAxis().get(0).dom().extent());
    IterVar plane = X86Schedules.fuse(out, ax);
    if (elements >= PARALLEL_ELEMENTS) out.parallel(plane);
    rows.computeAt(out, plane);
    List<IterVar> r = c.axis();
    rows.reorder(c.reduceAxis().get(0), r.get(2));
    rows.unroll(r.get(2));
  }
}
