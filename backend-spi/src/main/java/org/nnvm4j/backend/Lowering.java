package org.nnvm4j.backend;

import java.util.List;
import org.apiguardian.api.API;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * The per-target half of compilation: the schedule strategy for each fused group, and the code
 * generator for the lowered functions.
 */
@API(status = API.Status.STABLE, since = "0.1")
public interface Lowering {
  /**
   * A schedule of {@code request}'s outputs for this target. A GPU backend must bind every loop nest
   * to thread indices ({@code blockIdx.x}, {@code threadIdx.x}); a CPU backend may parallelize and
   * vectorize.
   */
  Schedule schedule(ScheduleRequest request);

  /**
   * Compiles {@code functions} (lowered, flattened TIR) into one module. Runs under {@code ctx}, so
   * its IR dumps and opt level apply.
   */
  Module codegen(List<PrimFunc> functions, PassContext ctx);
}
