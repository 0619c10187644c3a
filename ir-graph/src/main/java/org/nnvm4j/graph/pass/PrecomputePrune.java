package org.nnvm4j.graph.pass;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;

/**
 * Splits off what depends on parameters only (NNVM's {@code PrecomputePrune}): every op node whose
 * inputs are all parameters or such nodes is moved to a separate graph, and each of its entries that
 * the rest reads becomes a new variable named {@code <node>_output<k>}. The caller runs the
 * precompute graph once ({@link #PRECOMPUTE}) and passes its outputs as parameters.
 */
public final class PrecomputePrune {
  public static final PassInfo INFO = new PassInfo("graph.precompute-prune", "Move parameter-only subgraphs to a precompute graph", 2);
  /** Graph attribute: the {@link Precompute} graph of the pruned part, absent when nothing was pruned. */
  public static final String PRECOMPUTE = "precompute";

  /** The names of the graph's variables that are parameters (known at compile time). */
  public record Config(Set<String> params) {
    public static final Config DEFAULT = new Config(Set.of());

    public Config { params = Set.copyOf(params); }
  }

  /** A graph whose outputs are the values of the new variables {@code names}, in order. */
  public record Precompute(Graph graph, List<String> names) {}

  private PrecomputePrune() {}

  public static Graph apply(Graph g, Set<String> params) {
    Set<Node> pre = paramOnly(g, params);
    List<NodeEntry> cut = new ArrayList<>();
    Set<NodeEntry> seen = new HashSet<>();
    for (Node n : g.nodes()) {
      if (pre.contains(n)) continue;
      for (NodeEntry e : n.inputs()) if (!e.node().isVariable() && pre.contains(e.node()) && seen.add(e)) cut.add(e);
    }
    for (NodeEntry e : g.outputs()) if (!e.node().isVariable() && pre.contains(e.node()) && seen.add(e)) cut.add(e);
    if (cut.isEmpty()) return g;
    Map<NodeEntry, String> names = new java.util.LinkedHashMap<>();
    for (NodeEntry e : cut) names.put(e, e.node().name() + "_output" + e.index());
    Graph pruned = new GraphRewriter(g).rewrite((n, in, rw) -> {
      if (!pre.contains(n)) return null;
      List<NodeEntry> outs = new ArrayList<>();
      for (int k = 0; k < n.numOutputs(); k++) {
        NodeEntry e = new NodeEntry(n, k);
        outs.add(names.containsKey(e) ? rw.newVariable(names.get(e), rw.shape(e), rw.dtype(e)) : null);
      }
      return outs;
    });
    Graph sub = Graph.create(cut);
    Shape[] shapes = g.attr(Graph.SHAPE, Shape[].class);
    DType[] types = g.attr(Graph.DTYPE, DType[].class);
    Map<String, Shape> subShapes = new java.util.HashMap<>();
    Map<String, DType> subTypes = new java.util.HashMap<>();
    for (Node v : sub.inputs()) {
      int e = g.entryId(new NodeEntry(v, 0));
      if (shapes != null) subShapes.put(v.name(), shapes[e]);
      if (types != null) subTypes.put(v.name(), types[e]);
    }
    if (shapes != null) sub = InferShape.apply(sub, subShapes);
    if (types != null) sub = InferType.apply(sub, new InferType.Config(subTypes, null));
    return pruned.withAttr(PRECOMPUTE, new Precompute(sub, List.copyOf(names.values())));
  }

  /** The parameter variables and the op nodes whose inputs are all such nodes. */
  static Set<Node> paramOnly(Graph g, Set<String> params) {
    Set<Node> pre = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (Node n : g.nodes()) {
      if (n.isVariable() ? params.contains(n.name()) : n.inputs().stream().allMatch(e -> pre.contains(e.node()))) pre.add(n);
    }
    return pre;
  }

  public static Pass<Graph> pass() {
    return Pass.of(INFO, Graph.class, (g, ctx) -> apply(g, ctx.config(INFO.name(), Config.class, Config.DEFAULT).params()));
  }
}
