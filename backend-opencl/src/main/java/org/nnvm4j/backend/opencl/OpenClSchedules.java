package org.nnvm4j.backend.opencl;

import java.util.List;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IterVar;

/**
 * The generic GPU schedule (TOPI's {@code schedule_injective} for CUDA/OpenCL): every compute stage
 * splits its innermost axis by the block size and binds the outer part to {@code blockIdx.x} and the
 * inner part to {@code threadIdx.x}; the next two axes outward go to {@code blockIdx.y} and
 * {@code blockIdx.z}. Lowering guards the tail of a split that does not divide its axis.
 */
final class OpenClSchedules {
  private OpenClSchedules() {}

  static Schedule injective(ScheduleRequest request, int blockSize) {
    Schedule s = Schedule.create(request.outputs().stream().map(Tensor::op).toList());
    for (Stage st : s.stages()) {
      if (!(st.op() instanceof ComputeOp c)) continue;
      if (!c.reduceAxis().isEmpty()) {
        throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(c.name(), request.masterOp()), "the opencl backend has"
            + " no reduction schedule yet (stage '" + c.name() + "' reduces)");
      }
      List<IterVar> axes = st.axis();
      if (axes.isEmpty()) {
        throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(c.name(), request.masterOp()), "the opencl backend"
            + " cannot schedule the rank-0 stage '" + c.name() + "'; it needs at least one axis to bind to threads");
      }
      int last = axes.size() - 1;
      IterVar[] io = st.split(axes.get(last), blockSize);
      st.bind(io[0], "blockIdx.x").bind(io[1], "threadIdx.x");
      if (last >= 1) st.bind(axes.get(last - 1), "blockIdx.y");
      if (last >= 2) st.bind(axes.get(last - 2), "blockIdx.z");
    }
    return s;
  }
}
