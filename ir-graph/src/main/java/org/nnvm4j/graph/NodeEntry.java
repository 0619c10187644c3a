package org.nnvm4j.graph;

/** Output {@code index} of {@code node}: an edge of the graph. */
public record NodeEntry(Node node, int index) {
  public NodeEntry {
    if (index < 0 || index >= node.numOutputs()) {
      throw new IllegalArgumentException(node.name() + " has " + node.numOutputs() + " outputs, not " + (index + 1));
    }
  }
}
