package org.nnvm4j.backend.llvm;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;

/**
 * The x86 schedule strategy (TVM's {@code topi/x86} schedules): the blocked dense and conv2d computes of
 * {@link X86Computes} (weights packed in the kernel, or prepacked by AlterOpLayout: conv2d_NCHWc,
 * dense_pack) get register-tiled micro-kernels ({@link X86Tiles}); every other group gets a
 * generic injective or reduction schedule on its output stage. Injective intermediates are inlined here
 * (the graph compiler inlines only stages a schedule left untouched), so a schedule is complete as returned.
 */
final class X86Schedules {
  /** float32 lanes of an AVX2 vector. */
  static final int LANES = 8;
  /** Below this many scalar operations a parallel loop costs more (libgomp fork/join) than it saves. */
  static final long PARALLEL_MIN = 1 << 15;

  private static final Set<String> KEPT = Set.of(X86Computes.DENSE_PACK, X86Computes.CONV_PAD, X86Computes.CONV_PACK);

  private X86Schedules() {}

  static Schedule schedule(ScheduleRequest request) {
    Schedule s = Schedule.create(request.outputs().stream().map(Tensor::op).toList());
    if (request.outputs().size() != 1) return s;
    Tensor out = request.outputs().get(0);
    inlineIntermediates(s, out);
    if (X86SmallOps.schedule(s.get(out))) return s;
    if (X86Norms.schedule(s, out)) return s;
    if (X86Pool.scheduleBlockedWindow(s, out)) return s;
    if (X86BatchMatmul.schedule(s, out)) return s;
    if (X86GroupConv.schedule(s, out)) return s;
    Stage dense = byTag(s, X86Computes.DENSE_PADDED);
    Stage conv = byTag(s, X86Computes.CONV_BLOCKED);
    if (dense != null || conv != null) {
      if (dense != null) X86Tiles.dense(s, s.get(out), dense, byTag(s, X86Computes.DENSE_PACK));
      else if (byTag(s, X86Computes.CONV_PACK) == null) X86Tiles.conv2dNchwc(s.get(out), conv, byTag(s, X86Computes.CONV_PAD));
      else X86Tiles.conv(s, s.get(out), conv, byTag(s, X86Computes.CONV_PACK), byTag(s, X86Computes.CONV_PAD));
      return s;
    }
    Stage st = s.get(out);
    if (st.op() instanceof ComputeOp c) {
      if (c.reduceAxis().isEmpty()) injective(st);
      else reduction(st, c);
    }
    return s;
  }

  private static Stage byTag(Schedule s, String tag) {
    for (Stage st : s.stages()) if (st.op() instanceof ComputeOp c && c.tag().equals(tag)) return st;
    return null;
  }

  /** Inlines every injective stage but the output and the packing/padding stages the tiles keep. */
  private static void inlineIntermediates(Schedule s, Tensor out) {
    for (Stage st : s.stages()) {
      if (st.op() instanceof ComputeOp c && c.reduceAxis().isEmpty() && c != out.op() && !KEPT.contains(c.tag())) st.computeInline();
    }
  }

  static long[] extents(List<IterVar> axes) {
    long[] e = new long[axes.size()];
    for (int i = 0; i < e.length; i++) {
      Long v = IrOps.asLong(axes.get(i).dom().extent());
      e[i] = v == null ? -1 : v;
    }
    return e;
  }

  private static long product(long[] e) {
    long p = 1;
    for (long v : e) p = v < 0 || p < 0 ? -1 : p * v;
    return p;
  }

  /**
   * Vectorizes the innermost axis by {@link #LANES} when it divides, fuses everything outside it into one
   * loop and runs that in parallel when the stage is large enough.
   */
  static void injective(Stage st) {
    List<IterVar> ax = st.axis();
    if (ax.isEmpty()) return;
    long[] e = extents(ax);
    List<IterVar> outer = new ArrayList<>(ax.subList(0, ax.size() - 1));
    IterVar last = ax.get(ax.size() - 1);
    IterVar inner = null;
    if (e[e.length - 1] > 0 && e[e.length - 1] % LANES == 0) {
      IterVar[] sp = st.split(last, LANES);
      outer.add(sp[0]);
      inner = sp[1];
    } else if (outer.isEmpty()) {
      outer.add(last);
    }
    IterVar fused = fuse(st, outer);
    long total = product(e);
    if (fused != null && (total < 0 || total >= PARALLEL_MIN)) st.parallel(fused);
    if (inner != null) st.vectorize(inner);
  }

  /** Fuses the data-parallel axes of a reduction and runs them in parallel when there is enough work. */
  static void reduction(Stage st, ComputeOp c) {
    List<IterVar> ax = st.axis();
    if (ax.isEmpty()) return;
    long work = product(extents(ax)) * product(extents(c.reduceAxis()));
    IterVar fused = fuse(st, ax);
    if (product(extents(ax)) > 1 && (work < 0 || work >= PARALLEL_MIN)) st.parallel(fused);
  }

  /** Fuses adjacent loops {@code axes} (outermost first) into one; null for none. */
  static IterVar fuse(Stage st, List<IterVar> axes) {
    IterVar f = null;
    for (IterVar iv : axes) f = f == null ? iv : st.fuse(f, iv);
    return f;
  }

}
