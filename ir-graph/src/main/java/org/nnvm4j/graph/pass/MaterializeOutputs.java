package org.nnvm4j.graph.pass;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.graph.OpRegistry;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;

/**
 * Gives every graph output that is a variable (an input, a parameter, or a value PrecomputePrune
 * computed at build time) a {@code copy} node named {@code <variable>_copy}, so that each output is
 * computed by a compiled function into storage of its own, and a graph that optimizes to nothing
 * (only dropout, only constants) still compiles.
 */
public final class MaterializeOutputs {
  public static final PassInfo INFO = new PassInfo("graph.materialize-outputs", "Copy outputs that are variables", 0);

  private MaterializeOutputs() {}

  public static Graph apply(Graph g) {
    if (g.outputs().stream().noneMatch(e -> e.node().isVariable())) return g;
    List<NodeEntry> outputs = new ArrayList<>();
    for (NodeEntry e : g.outputs()) {
      Node n = e.node();
      outputs.add(n.isVariable() ? new NodeEntry(Node.apply(OpRegistry.get("copy"), n.name() + "_copy", Map.of(), List.of(e)), 0) : e);
    }
    return new GraphRewriter(g).withOutputs(outputs);
  }

  public static Pass<Graph> pass() { return Pass.of(INFO, Graph.class, (g, ctx) -> apply(g)); }
}
