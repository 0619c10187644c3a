package org.nnvm4j.backend.llvm;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.topi.Norm;
import org.nnvm4j.tensor.topi.PoolNd;
import org.nnvm4j.tensor.topi.Reduction;

/**
 * x86 schedules of the normalizations ({@link Norm}: instance_norm, layer_norm, l2_normalize) and of the Lp
 * pools, whose intermediate reductions the generic schedule would leave serial at the root. A norm's
 * row reductions (the sum, then the sum of squared deviations) each run parallel over the rows, the
 * inverse scale is stored per row, and the output runs parallel over its rows (the leading axes, fused,
 * when the normalized axes are the trailing ones) with the last axis vectorized by
 * {@link X86Schedules#LANES} where its extent divides. A windowed Lp pool computes each window's sum of
 * powers at the output's fused (parallel) loop; a global one sums like a norm's rows. {@link X86Schedules}
 * asks here once.
 */
final class X86Norms {
  private X86Norms() {}

  /** Schedules the group of output {@code out} when it is a norm or an Lp pool (its injective intermediates already inlined); false otherwise. */
  static boolean schedule(Schedule s, Tensor out) {
    if (!(out.op() instanceof ComputeOp c)) return false;
    if (c.tag().equals(Norm.TAG)) {
      norm(s, s.get(out), c);
      return true;
    }
    // an Lp pool is out-elemwise-fusable: its root may be inlined into a fused element-wise output
    boolean lp = s.stages().stream().anyMatch(st -> st.op() instanceof ComputeOp r && r.tag().equals(PoolNd.LP_TAG));
    if (lp) lpPool(s, s.get(out));
    return lp;
  }

  private static void norm(Schedule s, Stage o, ComputeOp c) {
    int rows = c.attrs().get(Norm.ROWS_ATTR) instanceof Integer n ? n : -1;
    for (Stage st : s.stages()) {
      if (!(st.op() instanceof ComputeOp r)) continue;
      // each row reduction in its own loop nest, parallel over its rows (a stage computed at the output's row
      // loop could not be read by the next reduction, which needs the mean); the inverse scale, one value per
      // row, is stored once rather than recomputed per element
      if (r.tag().equals(Norm.SUM_TAG)) {
        if (rows < 0 || !vectorizedRows(s, st, r)) X86Schedules.reduction(st, r);
      } else if (r.tag().equals(Norm.INV_TAG)) {
        // scheduled as an injective stage (split by 8 rows where they divide): a stage the schedule leaves as
        // created would be inlined by the graph compiler, one division and square root per element
        X86Schedules.injective(st.computeRoot());
      }
    }
    List<IterVar> ax = o.axis();
    if (rows < 0 || ax.isEmpty()) {
      X86Schedules.injective(o);
      return;
    }
    long[] e = X86Schedules.extents(ax);
    IterVar row = X86Schedules.fuse(o, ax.subList(0, rows));
    // only the last axis is vectorized: a split of fused axes would index each lane by a division
    IterVar last = ax.get(ax.size() - 1);
    if (e[e.length - 1] > 0 && e[e.length - 1] % X86Schedules.LANES == 0 && rows < ax.size()) {
      IterVar[] io = o.split(last, X86Schedules.LANES);
      o.vectorize(io[1]);
      if (row == null) row = ax.size() > 1 ? ax.get(0) : io[0];
    } else if (row == null) {
      row = ax.get(0);
    }
    long total = product(e, 0, e.length);
    if (total < 0 || total >= X86Schedules.PARALLEL_MIN) o.parallel(row);
  }

  /**
   * A row reduction whose innermost reduction axis is the data's contiguous last axis and divides by
   * {@link X86Schedules#LANES}: that axis split by LANES and factored out ({@code rfactor}) into LANES
   * partial sums per row, computed at the row loop with the lanes innermost and vectorized (vector loads of
   * the row, no horizontal work in the loop); the row then adds its LANES partials. Rows in parallel when
   * there is enough work. False (nothing scheduled) when the axis does not divide.
   */
  private static boolean vectorizedRows(Schedule s, Stage st, ComputeOp r) {
    List<IterVar> rk = r.reduceAxis();
    long inner = X86Schedules.extents(rk.subList(rk.size() - 1, rk.size()))[0];
    if (inner < 2L * X86Schedules.LANES || inner % X86Schedules.LANES != 0) return false;
    long rows = product(X86Schedules.extents(st.axis()), 0, st.axis().size());
    long work = rows * product(X86Schedules.extents(rk), 0, rk.size());
    IterVar[] ko = st.split(rk.get(rk.size() - 1), X86Schedules.LANES);
    Stage rf = s.get(s.rfactor(r.output(0), ko[1]));
    IterVar lanes = rf.axis().get(0);
    List<IterVar> order = new ArrayList<>();
    for (IterVar iv : rf.leafIterVars()) if (iv != lanes && !rf.axis().contains(iv)) order.add(iv);
    order.add(lanes);
    rf.reorder(order.toArray(IterVar[]::new));
    rf.vectorize(lanes);
    IterVar row = X86Schedules.fuse(st, st.axis());
    if (row == null) return true;
    if (rows > 1 && (work < 0 || work >= X86Schedules.PARALLEL_MIN)) st.parallel(row);
    rf.computeAt(st, row);
    return true;
  }

  private static void lpPool(Schedule s, Stage o) {
    for (Stage st : s.stages()) {
      if (st == o || !(st.op() instanceof ComputeOp r) || r.reduceAxis().isEmpty()) continue;
      if (r.tag().equals(Reduction.TAG)) {
        // global: the sum runs over the contiguous spatial axes, like a norm's row reduction
        if (!vectorizedRows(s, st, r)) X86Schedules.reduction(st, r);
        X86Schedules.injective(o);
        return;
      }
      IterVar f = X86Schedules.fuse(o, o.axis());
      if (f == null) return;
      long outer = product(X86Schedules.extents(o.axis()), 0, o.axis().size());
      long work = outer * product(X86Schedules.extents(r.reduceAxis()), 0, r.reduceAxis().size());
      if (outer > 1 && (work < 0 || work >= X86Schedules.PARALLEL_MIN)) o.parallel(f);
      st.computeAt(o, f);
      return;
    }
  }

  /** The product of {@code e[from..to)}; -1 when one is symbolic. */
  private static long product(long[] e, int from, int to) {
    long p = 1;
    for (int i = from; i < to; i++) p = e[i] < 0 || p < 0 ? -1 : p * e[i];
    return p;
  }
}
