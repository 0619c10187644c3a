package org.nnvm4j.graph.frontend;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * An imported model: the graph, its parameters (variables with a value), and what the file declares
 * about the other inputs (the data inputs, in declaration order): dtypes, and shapes where every
 * dimension is a number. Closing it closes the parameter arrays.
 */
public record ImportedModel(Graph graph, Map<String, NDArray> params, Map<String, Shape> inputShapes,
    Map<String, DType> inputTypes, List<String> outputNames) implements AutoCloseable {
  public ImportedModel {
    params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
    inputShapes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputShapes));
    inputTypes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputTypes));
    outputNames = List.copyOf(outputNames);
  }

  /** The names of the graph inputs that are not parameters, in the order the model declares them. */
  public List<String> dataInputs() { return List.copyOf(inputTypes.keySet()); }

  @Override
  public void close() { params.values().forEach(NDArray::close); }
}
