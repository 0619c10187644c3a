package org.nnvm4j;

import java.util.Map;
import org.nnvm4j.backend.Module;
import org.nnvm4j.graph.deploy.DeployGraph;
import org.nnvm4j.tensor.NDArray;

/**
 * The result of {@link Compiler#build}: the deploy graph (NNVM JSON), the compiled module, and the
 * parameters the graph reads. Closing it closes the module and the parameter arrays.
 */
public record CompiledGraph(String deployGraphJson, Module module, Map<String, NDArray> params) implements AutoCloseable {
  public CompiledGraph { params = Map.copyOf(params); }

  public DeployGraph deployGraph() { return DeployGraph.parse(deployGraphJson); }

  @Override
  public void close() {
    module.close();
    params.values().forEach(NDArray::close);
  }
}
