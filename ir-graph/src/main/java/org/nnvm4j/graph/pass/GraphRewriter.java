package org.nnvm4j.graph.pass;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;

/**
 * Rebuilds a graph node by node: each op node, given its rewritten inputs, becomes whatever entries
 * {@link Rule} returns; unchanged nodes are kept as they are. The result's shapes and dtypes are
 * inferred again from those of the original graph's variables (and of any {@link #newVariable}).
 */
final class GraphRewriter {
  /** Rewrites one op node; returns its new output entries, or null to keep it (with rewritten inputs). */
  interface Rule { List<NodeEntry> rewrite(Node node, List<NodeEntry> inputs, GraphRewriter rw); }

  private final Graph g;
  private final Map<String, Shape> shapes = new HashMap<>();
  private final Map<String, DType> types = new HashMap<>();

  GraphRewriter(Graph g) {
    this.g = g;
    Shape[] s = g.attr(Graph.SHAPE, Shape[].class);
    DType[] t = g.attr(Graph.DTYPE, DType[].class);
    for (Node n : g.inputs()) {
      int e = g.entryId(new NodeEntry(n, 0));
      if (s != null && s[e] != null) shapes.put(n.name(), s[e]);
      if (t != null && t[e] != null) types.put(n.name(), t[e]);
    }
  }

  Graph graph() { return g; }

  Shape shape(NodeEntry e) { return known(Graph.SHAPE, Shape[].class, "graph.infer-shape")[g.entryId(e)]; }

  DType dtype(NodeEntry e) { return known(Graph.DTYPE, DType[].class, "graph.infer-type")[g.entryId(e)]; }

  private <T> T known(String attr, Class<T> type, String pass) {
    T v = g.attr(attr, type);
    if (v == null) throw new InternalCompilerError("this rewrite needs the graph attribute '" + attr + "'; run " + pass + " first");
    return v;
  }

  /** A new variable with a known shape and dtype. */
  NodeEntry newVariable(String name, Shape shape, DType dtype) {
    shapes.put(name, shape);
    types.put(name, dtype);
    return new NodeEntry(Node.variable(name), 0);
  }

  Graph rewrite(Rule rule) {
    Map<Node, List<NodeEntry>> map = new IdentityHashMap<>();
    boolean changed = false;
    for (Node n : g.nodes()) {
      if (n.isVariable()) {
        map.put(n, List.of(new NodeEntry(n, 0)));
        continue;
      }
      List<NodeEntry> in = new ArrayList<>();
      for (NodeEntry e : n.inputs()) in.add(map.get(e.node()).get(e.index()));
      List<NodeEntry> out = rule.rewrite(n, in, this);
      if (out == null) {
        boolean same = in.equals(n.inputs());
        Node m = same ? n : Node.apply(n.op(), n.name(), n.attrs(), in);
        out = new ArrayList<>();
        for (int k = 0; k < m.numOutputs(); k++) out.add(new NodeEntry(m, k));
        changed |= !same;
      } else {
        changed = true;
      }
      map.put(n, out);
    }
    if (!changed) return g;
    return withOutputs(g.outputs().stream().map(e -> map.get(e.node()).get(e.index())).toList());
  }

  /**
   * The graph computing {@code outputs}, its shapes and dtypes inferred from the known variables. Graph
   * attributes that are not per-entry arrays (e.g. {@link PrecomputePrune#PRECOMPUTE}) carry over.
   */
  Graph withOutputs(List<NodeEntry> outputs) {
    Graph r = Graph.create(outputs);
    for (Map.Entry<String, Object> a : g.attrs().entrySet()) {
      if (!(a.getValue() instanceof Object[])) r = r.withAttr(a.getKey(), a.getValue());
    }
    r = InferShape.apply(r, only(r, shapes));
    if (g.attr(Graph.DTYPE, DType[].class) != null) r = InferType.apply(r, new InferType.Config(only(r, types), null));
    return r;
  }

  private static <T> Map<String, T> only(Graph r, Map<String, T> values) {
    Map<String, T> out = new HashMap<>();
    for (Node n : r.inputs()) if (values.containsKey(n.name())) out.put(n.name(), values.get(n.name()));
    return out;
  }
}
