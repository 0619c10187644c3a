package org.nnvm4j.backend.opencl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.topi.Conv2d;

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
    Stage d = single(s, out, DENSE_TAG, 1);
    if (d == null || extents(d.axis())[0] < MIN_ROWS) return false;
    Stage o = s.get(out);
    Stage local = registerTile(s, out, d);
    List<Stage> tiles = new ArrayList<>();
    for (Tensor in : List.copyOf(local.op().inputTensors())) tiles.add(s.get(s.cacheRead(in, "shared", List.of(local.op()))));
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
    for (Stage t : tiles) cooperativeLoad(t, local, k[0], TY, TX);
    return true;
  }

  /** Output channels per work-group of conv2d: {@link #CONV_TY} work-items of {@link #CONV_RY} channels each. */
  static final int CONV_TY = 4;
  static final int CONV_RY = 2;
  /** Output pixels per work-group of conv2d, one per work-item. */
  static final int CONV_TX = 16;
  /** Input channels per step of the weight tile. */
  static final int CONV_RCT = 4;

  /**
   * Schedules the group of {@code out} when it is one conv2d in NCHW (tag {@code conv2d_nchw}) with injective
   * stages after it whose output has the conv's shape: a work-group computes {@code CONV_TY * CONV_RY} output
   * channels of {@code CONV_TX} output pixels, each work-item {@code CONV_RY} channels of one pixel in
   * registers; for every step of {@code CONV_RCT} input channels the work-group loads the weights of its
   * channels ({@code CONV_TY * CONV_RY x CONV_RCT x KH x KW}) into a {@code __local} tile, cooperatively, with
   * barriers around. The padded data is read from global memory (neighbouring work-items read neighbouring
   * pixels); its clamped, padded index has no affine region to tile. Returns false, scheduling nothing, when
   * the group does not fit.
   */
  static boolean conv2d(Schedule s, Tensor out, int maxThreads) {
    if (maxThreads < CONV_TY * CONV_TX) return false;
    Stage c = single(s, out, Conv2d.TAG, 3);
    if (c == null) return false;
    ComputeOp cc = (ComputeOp) c.op();
    Tensor weight = null;
    for (Tensor in : cc.inputTensors()) {
      if (in.shape().size() == 4 && in.shape().get(0).equals(cc.axis().get(1).dom().extent())
          && sameExtents(in.shape().subList(1, 4), cc.reduceAxis())) {
        if (weight != null) return false;
        weight = in;
      }
    }
    if (weight == null) return false;
    Stage o = s.get(out);
    Stage local = registerTile(s, out, c);
    Stage tile = s.get(s.cacheRead(weight, "shared", List.of(local.op())));
    List<IterVar> ax = o.axis();
    IterVar[] ch = blockSplit(o, ax.get(1), CONV_TY, CONV_RY);
    IterVar[] px = o.split(o.fuse(ax.get(2), ax.get(3)), CONV_TX);
    o.reorder(ax.get(0), ch[0], px[0], ch[1], px[1], ch[2]);
    o.bind(o.fuse(ax.get(0), ch[0]), "blockIdx.y").bind(px[0], "blockIdx.x").bind(ch[1], "threadIdx.y")
        .bind(px[1], "threadIdx.x");
    local.computeAt(o, px[1]);
    List<IterVar> red = ((ComputeOp) local.op()).reduceAxis();
    IterVar[] rc = local.split(red.get(0), CONV_RCT);
    List<IterVar> la = local.axis();
    local.reorder(rc[0], rc[1], red.get(1), red.get(2), la.get(0), la.get(1), la.get(2), la.get(3));
    local.unroll(la.get(1));
    cooperativeLoad(tile, local, rc[0], CONV_TY, CONV_TX);
    return true;
  }

  /**
   * The one reduction stage of the schedule, when it has {@code tag} and {@code reduceAxes} reduction axes,
   * constant extents, and the output has its shape; null otherwise.
   */
  private static Stage single(Schedule s, Tensor out, String tag, int reduceAxes) {
    Stage r = null;
    for (Stage st : s.stages()) {
      if (!(st.op() instanceof ComputeOp c) || c.reduceAxis().isEmpty()) continue;
      if (r != null || !c.tag().equals(tag) || c.reduceAxis().size() != reduceAxes) return null;
      r = st;
    }
    if (r == null || !(s.get(out).op() instanceof ComputeOp oc) || extents(r.axis()) == null
        || extents(((ComputeOp) r.op()).reduceAxis()) == null || !Arrays.equals(extents(r.axis()), extents(oc.axis()))) {
      return null;
    }
    return r;
  }

  /**
   * Inlines every injective stage but the output and puts the reduction {@code r} in registers ({@code local}
   * scope), through a cache of the output when {@code r} is the output. Returns the register stage.
   */
  private static Stage registerTile(Schedule s, Tensor out, Stage r) {
    Stage o = s.get(out);
    for (Stage st : s.stages()) {
      if (st != o && st != r && st.op() instanceof ComputeOp) st.computeInline();
    }
    return r == o ? s.get(s.cacheWrite(out, "local")) : r.storageScope("local");
  }

  /** Computes the shared tile {@code t} at loop {@code at} of {@code consumer}, its elements spread over {@code ty x tx} work-items. */
  private static void cooperativeLoad(Stage t, Stage consumer, IterVar at, int ty, int tx) {
    t.computeAt(consumer, at);
    IterVar[] x = t.split(OpenClSchedules.fuse(t, t.axis()), tx);
    IterVar[] y = t.split(x[0], ty);
    t.bind(y[1], "threadIdx.y").bind(x[1], "threadIdx.x");
  }

  private static boolean sameExtents(List<org.nnvm4j.tensor.tir.Expr> shape, List<IterVar> axes) {
    for (int i = 0; i < shape.size(); i++) if (!shape.get(i).equals(axes.get(i).dom().extent())) return false;
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
