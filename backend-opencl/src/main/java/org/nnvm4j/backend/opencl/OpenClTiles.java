package org.nnvm4j.backend.opencl;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;

/**
 * Local-memory tiling of dense (TOPI's {@code schedule_dense} for CUDA with shared memory): a work-group
 * of {@code TY x TX} work-items computes a {@code TY*RY x TX*RX} block of the output; each work-item
 * accumulates an {@code RY x RX} register tile ({@code local} scope); for every step of {@code KT} along
 * the reduction, the work-group first loads the {@code TY*RY x KT} rows of the data and {@code TX*RX x KT}
 * rows of the weight it needs into {@code __local} tiles, cooperatively (the loads are bound to the
 * work-item indices), with barriers before and after.
 */
final class OpenClTiles {
  /** The tag of TOPI's dense ({@code Nn.dense}). */
  static final String DENSE_TAG = "dense";
  static final int TY = 8;
  static final int TX = 8;
  static final int RY = 2;
  static final int RX = 2;
  static final int KT = 8;
  /** Fewer output rows than one block tile: the tiles would idle most work-items; the generic schedules run it. */
  static final long MIN_ROWS = TY * RY;

  private OpenClTiles() {}

  /**
   * Schedules the group of {@code out} when it is one dense (tag {@code dense}) with injective stages after
   * it whose output has the dense's shape; returns false, scheduling nothing, otherwise.
   */
  static boolean dense(Schedule s, Tensor out, int maxThreads) {
    if (maxThreads < TY * TX) return false;
    Stage d = null;
    for (Stage st : s.stages()) {
      if (!(st.op() instanceof ComputeOp c) || c.reduceAxis().isEmpty()) continue;
      if (d != null || !c.tag().equals(DENSE_TAG) || c.reduceAxis().size() != 1) return false;
      d = st;
    }
    Stage o = s.get(out);
    if (d == null || !(o.op() instanceof ComputeOp oc) || oc.axis().size() != 2) return false;
    long[] de = extents(d.axis());
    long[] oe = extents(oc.axis());
    if (de == null || oe == null || de[0] != oe[0] || de[1] != oe[1] || de[0] < MIN_ROWS) return false;
    for (Stage st : s.stages()) {
      if (st != o && st != d && st.op() instanceof ComputeOp) st.computeInline();
    }
    Stage local = d == o ? s.get(s.cacheWrite(out, "local")) : d.storageScope("local");
    List<Stage> tiles = new ArrayList<>();
    for (Tensor in : List.copyOf(local.op().inputTensors())) {
      tiles.add(s.get(s.cacheRead(in, "shared", List.of(local.op()))));
    }
    IterVar[] i = blockSplit(o, o.axis().get(0), TY, RY);
    IterVar[] j = blockSplit(o, o.axis().get(1), TX, RX);
    o.reorder(i[0], j[0], i[1], j[1], i[2], j[2]);
    o.bind(i[0], "blockIdx.y").bind(j[0], "blockIdx.x").bind(i[1], "threadIdx.y").bind(j[1], "threadIdx.x");
    local.computeAt(o, j[1]);
    IterVar[] k = local.split(((ComputeOp) local.op()).reduceAxis().get(0), KT);
    IterVar li = local.axis().get(0);
    IterVar lj = local.axis().get(1);
    local.reorder(k[0], k[1], li, lj);
    local.unroll(li).unroll(lj);
    for (Stage t : tiles) {
      t.computeAt(local, k[0]);
      IterVar[] x = t.split(OpenClSchedules.fuse(t, t.axis()), TX);
      IterVar[] y = t.split(x[0], TY);
      t.bind(y[1], "threadIdx.y").bind(x[1], "threadIdx.x");
    }
    return true;
  }

  /** {@code axis} split into the block, the work-item ({@code threads}) and the register tile ({@code regs}) loop. */
  private static IterVar[] blockSplit(Stage st, IterVar axis, int threads, int regs) {
    IterVar[] outer = st.split(axis, threads * regs);
    IterVar[] inner = st.split(outer[1], regs);
    return new IterVar[] {outer[0], inner[0], inner[1]};
  }

  private static long[] extents(List<IterVar> axes) {
    long[] e = new long[axes.size()];
    for (int i = 0; i < e.length; i++) {
      Long v = IrOps.asLong(axes.get(i).dom().extent());
      if (v == null) return null;
      e[i] = v;
    }
    return e;
  }
}
