package org.nnvm4j.graph.pass;

import java.util.List;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassProvider;

/** Registers the graph passes with the global {@link org.nnvm4j.pass.PassRegistry}. */
public final class GraphPassProvider implements PassProvider {
  @Override
  public List<Pass<?>> passes() {
    return List.of(InferShape.pass(), InferType.pass(), SimplifyInference.pass(), FoldScaleAxis.pass(), AlterOpLayout.pass(),
        CorrectLayout.pass(), FuseOps.pass(), PrecomputePrune.pass(),
        MaterializeOutputs.pass(), PlanMemory.pass());
  }
}
