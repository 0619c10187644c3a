package org.nnvm4j.it;

import java.util.Map;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** Public access to the test CNNs of {@link CnnModels} for the benchmarks in {@code org.nnvm4j.it.bench}. */
public final class CnnModelsAccess {
  private CnnModelsAccess() {}

  /** A model with its graph, input shape, fresh params and inputs. */
  public record Model(Graph graph, Shape inputShape, CnnModels.Model model) {
    public Map<String, NDArray> params(long seed) { return model.newParams(seed); }

    public NDArray input(long seed) { return CnnModels.input(inputShape, seed); }
  }

  public static Model convNet() {
    CnnModels.Model m = CnnModels.convNet();
    return new Model(m.graph(), m.input(), m);
  }
}
