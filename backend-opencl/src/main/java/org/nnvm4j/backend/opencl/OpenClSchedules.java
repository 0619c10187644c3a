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
import org.nnvm4j.tensor.tir.IterVar;

/**
 * The generic GPU schedules (TOPI's {@code schedule_injective} and a simple {@code schedule_reduce}
 * for CUDA/OpenCL). Injective intermediates are inlined into their consumers. Every other compute
 * fuses its data-parallel axes into one, splits it by the block size and binds the outer part to
 * {@code blockIdx.x} and the inner part to {@code threadIdx.x}; lowering guards the tail of a split
 * that does not divide the axis. A reduction keeps its reduce loops serial inside each thread: one
 * thread per output element.
 */
final class OpenClSchedules {
  private OpenClSchedules() {}

  static Schedule schedule(ScheduleRequest request, int blockSize) {
    List<Operation> outputs = request.outputs().stream().map(Tensor::op).toList();
    Schedule s = Schedule.create(outputs);
    for (Stage st : s.stages()) {
      if (!(st.op() instanceof ComputeOp c)) continue;
      if (!outputs.contains(c) && c.reduceAxis().isEmpty()) {
        st.computeInline();
        continue;
      }
      List<IterVar> axes = st.axis();
      if (axes.isEmpty()) {
        throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(c.name(), request.masterOp()), "the opencl backend"
            + " cannot schedule the rank-0 stage '" + c.name() + "'; it needs a data-parallel axis to bind to threads");
      }
      IterVar fused = axes.get(0);
      for (int i = 1; i < axes.size(); i++) fused = st.fuse(fused, axes.get(i));
      IterVar[] io = st.split(fused, blockSize);
      st.bind(io[0], "blockIdx.x").bind(io[1], "threadIdx.x");
    }
    return s;
  }
}
