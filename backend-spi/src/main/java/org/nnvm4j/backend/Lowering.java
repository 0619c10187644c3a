package org.nnvm4j.backend;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apiguardian.api.API;
import org.nnvm4j.graph.pass.AlterOpLayout;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Tensor;
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
   * This target's own compute of graph op {@code op} over {@code inputs} (TVM's strategy picks compute
   * and schedule together, e.g. a weight-packing dense), or empty to use the op's generic compute. The
   * result must equal the generic compute's outputs in shape, type and value.
   *
   * @since 0.2
   */
  default Optional<List<Tensor>> compute(String op, Map<String, String> attrs, List<Tensor> inputs) { return Optional.empty(); }

  /**
   * This target's replacement of a node of graph op {@code op} by an op in the layouts it prefers (NNVM's
   * {@code FTVMAlterOpLayout}: e.g. conv2d NCHW/OIHW as conv2d_NCHWc with NCHW16c data and a prepacked
   * OIHW8i16o weight), or empty to keep the node. Asked by AlterOpLayout (opt level 3) with the node's
   * attributes and input shapes and dtypes; the proposed op must compute the same values.
   *
   * @since 0.3
   */
  default Optional<AlterOpLayout.Proposal> alterOpLayout(String op, Map<String, String> attrs, List<Shape> inputShapes,
      List<DType> inputTypes) {
    return Optional.empty();
  }

  /**
   * Compiles {@code functions} (lowered, flattened TIR) into one module. Runs under {@code ctx}, so
   * its IR dumps and opt level apply.
   */
  Module codegen(List<PrimFunc> functions, PassContext ctx);
}
