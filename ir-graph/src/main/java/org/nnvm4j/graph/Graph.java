package org.nnvm4j.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;

/**
 * A computation graph: its nodes in topological order (node ids are positions in that order), its
 * output entries, and graph attributes computed by passes ({@code shape}: a {@link Shape} per entry,
 * {@code dtype}: a {@link DType} per entry, ...). Immutable; passes return new graphs.
 */
public final class Graph {
  /** Graph attribute: {@code Shape[]} indexed by entry id. */
  public static final String SHAPE = "shape";
  /** Graph attribute: {@code DType[]} indexed by entry id. */
  public static final String DTYPE = "dtype";

  private final List<Node> nodes;
  private final List<NodeEntry> outputs;
  private final Map<Node, Integer> ids = new IdentityHashMap<>();
  private final int[] rowPtr;
  private final Map<String, Object> attrs;

  private Graph(List<Node> nodes, List<NodeEntry> outputs, Map<String, Object> attrs) {
    this.nodes = List.copyOf(nodes);
    this.outputs = List.copyOf(outputs);
    this.rowPtr = new int[nodes.size() + 1];
    for (int i = 0; i < nodes.size(); i++) {
      ids.put(nodes.get(i), i);
      rowPtr[i + 1] = rowPtr[i] + nodes.get(i).numOutputs();
    }
    this.attrs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
  }

  /** The graph computing {@code symbol}'s outputs. Two variables of one name are an error. */
  public static Graph create(Symbol symbol) { return create(symbol.outputs()); }

  public static Graph create(List<NodeEntry> outputs) {
    List<Node> order = new ArrayList<>();
    Set<Node> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (NodeEntry e : outputs) visit(e.node(), seen, order);
    Map<String, Node> vars = new HashMap<>();
    for (Node n : order) {
      if (n.isVariable() && vars.put(n.name(), n) != null) {
        throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.node(n.name(), null),
            "two different variables are named '" + n.name() + "'");
      }
    }
    return new Graph(order, outputs, Map.of());
  }

  private static void visit(Node n, Set<Node> seen, List<Node> order) {
    // Iterative post-order so that deep graphs do not overflow the stack.
    java.util.ArrayDeque<Object[]> stack = new java.util.ArrayDeque<>();
    if (seen.contains(n)) return;
    stack.push(new Object[] {n, 0});
    seen.add(n);
    while (!stack.isEmpty()) {
      Object[] top = stack.peek();
      Node cur = (Node) top[0];
      int i = (Integer) top[1];
      if (i < cur.inputs().size()) {
        top[1] = i + 1;
        Node in = cur.inputs().get(i).node();
        if (seen.add(in)) stack.push(new Object[] {in, 0});
      } else {
        stack.pop();
        order.add(cur);
      }
    }
  }

  public List<Node> nodes() { return nodes; }

  public List<NodeEntry> outputs() { return outputs; }

  /** Whether {@code n} is a node of this graph. */
  public boolean contains(Node n) { return ids.containsKey(n); }

  public int nodeId(Node n) {
    Integer id = ids.get(n);
    if (id == null) throw new IllegalArgumentException(n + " is not in this graph");
    return id;
  }

  /** The entry id of {@code e}: the position of its output among all node outputs. */
  public int entryId(NodeEntry e) { return rowPtr[nodeId(e.node())] + e.index(); }

  public int numEntries() { return rowPtr[nodes.size()]; }

  /** {@code node_row_ptr} of the deploy format: entry ids of node i are {@code [rowPtr[i], rowPtr[i+1])}. */
  public int[] rowPtr() { return rowPtr.clone(); }

  /** The variable nodes, in node order. */
  public List<Node> inputs() { return nodes.stream().filter(Node::isVariable).toList(); }

  public Map<String, Object> attrs() { return attrs; }

  /** The graph attribute {@code key} of type {@code type}, or null. */
  public <T> T attr(String key, Class<T> type) { return type.cast(attrs.get(key)); }

  public Graph withAttr(String key, Object value) {
    Map<String, Object> m = new LinkedHashMap<>(attrs);
    m.put(key, value);
    return new Graph(nodes, outputs, m);
  }

  /** NNVM's text form. */
  public String ir() { return ir(List.of()); }

  /**
   * NNVM's text form, with the listed per-entry attributes ({@code shape}, {@code dtype}) joined to
   * each line when the graph has them.
   */
  public String ir(List<String> entryAttrs) {
    StringBuilder b = new StringBuilder("Graph(");
    b.append(inputs().stream().map(n -> "%" + n.name() + annot(entryAttrs, rowPtr[nodeId(n)])).collect(Collectors.joining(", ")));
    b.append(") {\n");
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      if (n.isVariable()) continue;
      b.append("  %").append(i).append(" = ").append(n.op().name()).append('(');
      List<String> args = new ArrayList<>();
      for (NodeEntry e : n.inputs()) args.add(ref(e));
      n.attrs().forEach((k, v) -> args.add(k + "='" + v + "'"));
      b.append(String.join(", ", args)).append(')');
      for (int k = 0; k < n.numOutputs(); k++) b.append(annot(entryAttrs, rowPtr[i] + k).replaceFirst("^: ", ", "));
      b.append('\n');
    }
    b.append("  ret ").append(outputs.stream().map(this::ref).collect(Collectors.joining(", ")));
    return b.append("\n}").toString();
  }

  private String ref(NodeEntry e) {
    Node n = e.node();
    String base = n.isVariable() ? "%" + n.name() : "%" + nodeId(n);
    return n.numOutputs() > 1 ? base + "." + e.index() : base;
  }

  private String annot(List<String> keys, int entry) {
    StringBuilder b = new StringBuilder();
    for (String k : keys) {
      Object v = attrs.get(k);
      if (v instanceof Object[] arr && arr[entry] != null) b.append(b.isEmpty() ? ": " : ", ").append(k).append('=').append(arr[entry]);
    }
    return b.toString();
  }

  @Override public String toString() { return ir(List.of(SHAPE, DTYPE)); }
}
