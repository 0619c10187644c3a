package org.nnvm4j.backend.opencl;

import java.util.List;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Operation;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;

/**
 * The GPU schedules (TOPI's {@code cuda}/{@code opencl} ones). Injective intermediates are inlined into
 * their consumers; every other compute gets one of:
 * <ul>
 *   <li><b>injective</b> (and reductions over few elements): the data-parallel axes fused into one, split by
 *       the block size, outer part bound to {@code blockIdx.x} and inner part to {@code threadIdx.x}, so that
 *       neighbouring work-items touch neighbouring elements (coalesced); lowering guards a tail that does not
 *       divide; a reduction runs serially inside its thread. A rank-0 injective output has no loop and runs
 *       as one work-item.
 *   <li><b>cross-thread reduction</b> ({@link #crossThreadReduction}) for reductions over at least
 *       {@link #CROSS_THREAD_MIN} elements, and full reductions to rank 0: one work-group per output element, each work-item reducing a
 *       strided slice, the partials combined by a tree in {@code __local} memory with barriers. Sums, max,
 *       min, products, the two reductions of softmax / log_softmax and global pooling take it.
 *   <li><b>tiled dense</b> ({@link OpenClTiles#dense}): operand tiles in {@code __local} memory and a
 *       register tile per work-item.
 * </ul>
 */
final class OpenClSchedules {
  /** Reductions over fewer elements than this run serially in one work-item per output. */
  static final long CROSS_THREAD_MIN = 64;

  private OpenClSchedules() {}

  static Schedule schedule(ScheduleRequest request, int blockSize) {
    List<Operation> outputs = request.outputs().stream().map(Tensor::op).toList();
    Schedule s = Schedule.create(outputs);
    if (outputs.size() == 1 && (OpenClTiles.dense(s, request.outputs().get(0), blockSize)
        || OpenClTiles.conv2d(s, request.outputs().get(0), blockSize))) {
      return s;
    }
    for (Stage st : s.stages()) {
      if (!(st.op() instanceof ComputeOp c)) continue;
      if (!outputs.contains(c) && c.reduceAxis().isEmpty()) {
        st.computeInline();
        continue;
      }
      long reduced = extentProduct(c.reduceAxis());
      // a power of two no larger than the reduction: every work-item has at least one element
      if (reduced >= CROSS_THREAD_MIN || (reduced > 0 && st.axis().isEmpty())) {
        crossThreadReduction(st, c, (int) Math.min(blockSize, Long.highestOneBit(reduced)));
      } else if (!st.axis().isEmpty()) {
        injective(st, blockSize);
      } else if (!c.reduceAxis().isEmpty()) {
        throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(c.name(), request.masterOp()), "the opencl backend"
            + " cannot schedule the rank-0 reduction '" + c.name() + "' over axes of symbolic extent; it splits a"
            + " full reduction across one work-group by a constant number of work-items");
      }
      // a rank-0 injective stage has no loop: one work-item computes it
    }
    return s;
  }

  /** Fuses the data-parallel axes, splits by {@code blockSize} and binds the parts to the block and thread index. */
  private static void injective(Stage st, int blockSize) {
    IterVar[] io = st.split(fuse(st, st.axis()), blockSize);
    st.bind(io[0], "blockIdx.x").bind(io[1], "threadIdx.x");
  }

  /**
   * One work-group of {@code threads} work-items per output element: the reduction axes fused and split by
   * {@code threads}, the inner part bound to {@code threadIdx.x} (work-item {@code t} reduces elements
   * {@code t, t + threads, ...}: neighbouring work-items read neighbouring elements), which lowering turns
   * into a tree reduction in local memory; the data-parallel axes fused and bound to {@code blockIdx.x}.
   */
  static void crossThreadReduction(Stage st, ComputeOp c, int threads) {
    // (a full reduction to rank 0 has no data-parallel axis: one work-group)
    IterVar r = fuse(st, c.reduceAxis());
    IterVar[] ko = st.split(r, threads);
    st.bind(ko[1], "threadIdx.x");
    if (!st.axis().isEmpty()) st.bind(fuse(st, st.axis()), "blockIdx.x");
  }

  /** Fuses adjacent loops {@code axes} (outermost first) into one. */
  static IterVar fuse(Stage st, List<IterVar> axes) {
    IterVar f = axes.get(0);
    for (int i = 1; i < axes.size(); i++) f = st.fuse(f, axes.get(i));
    return f;
  }

  /** The number of iterations of {@code axes}; 0 for none, -1 when one is symbolic. */
  static long extentProduct(List<IterVar> axes) {
    if (axes.isEmpty()) return 0;
    long p = 1;
    for (IterVar iv : axes) {
      Long e = IrOps.asLong(iv.dom().extent());
      if (e == null) return -1;
      p *= e;
    }
    return p;
  }
}
