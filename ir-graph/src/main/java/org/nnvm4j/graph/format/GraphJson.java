package org.nnvm4j.graph.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.graph.OpRegistry;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;

/**
 * NNVM's graph JSON ({@code nnvm.graph.save_json} / {@code load_json}): {@code nodes} (op, name,
 * attrs, inputs as {@code [node, index, version]}; variables have op {@code "null"}), {@code arg_nodes},
 * {@code node_row_ptr}, {@code heads}, and the graph attributes {@code shape} ({@code list_shape}) and
 * {@code dtype} ({@code list_int} of NNVM type flags) when the graph has them.
 */
public final class GraphJson {
  private static final String WHAT = "graph JSON";
  /** NNVM (mshadow) type flags, by position. */
  private static final List<DType> TYPE_FLAGS = List.of(DType.F32, DType.F64, DType.F16, DType.U8, DType.I32, DType.I8, DType.I64,
      DType.BOOL, DType.I16, DType.U16, DType.U32, DType.U64, DType.BF16);

  private GraphJson() {}

  public static String save(Graph g) {
    ObjectNode root = NnvmJson.JSON.createObjectNode();
    ArrayNode nodes = root.putArray("nodes");
    List<Integer> args = new ArrayList<>();
    for (int i = 0; i < g.nodes().size(); i++) {
      Node n = g.nodes().get(i);
      ObjectNode o = nodes.addObject();
      o.put("op", n.isVariable() ? "null" : n.op().name());
      o.put("name", n.name());
      if (!n.attrs().isEmpty()) {
        ObjectNode a = o.putObject("attrs");
        n.attrs().forEach(a::put);
      }
      ArrayNode in = o.putArray("inputs");
      for (NodeEntry e : n.inputs()) NnvmJson.addTriple(in, g.nodeId(e.node()), e.index());
      if (n.isVariable()) args.add(i);
    }
    ArrayNode an = root.putArray("arg_nodes");
    args.forEach(an::add);
    ArrayNode rp = root.putArray("node_row_ptr");
    for (int r : g.rowPtr()) rp.add(r);
    ArrayNode heads = root.putArray("heads");
    for (NodeEntry e : g.outputs()) NnvmJson.addTriple(heads, g.nodeId(e.node()), e.index());
    ObjectNode attrs = root.putObject("attrs");
    Shape[] shapes = g.attr(Graph.SHAPE, Shape[].class);
    if (shapes != null) {
      ArrayNode v = attrs.putArray("shape").add("list_shape").addArray();
      for (Shape s : shapes) {
        ArrayNode d = v.addArray();
        for (long x : s.toArray()) d.add(x);
      }
    }
    DType[] types = g.attr(Graph.DTYPE, DType[].class);
    if (types != null) {
      ArrayNode v = attrs.putArray("dtype").add("list_int").addArray();
      for (DType t : types) {
        int flag = TYPE_FLAGS.indexOf(t);
        if (flag < 0) throw CompileException.invalid("dtype %s has no NNVM type flag", t);
        v.add(flag);
      }
    }
    return NnvmJson.write(root);
  }

  /**
   * Reads graph JSON. Ops are looked up in the {@link OpRegistry}; every unknown op is reported at once.
   *
   * @throws CompileException naming the malformed field, the unknown ops, or the bad attribute
   */
  public static Graph load(String json) {
    JsonNode root = NnvmJson.parse(json, WHAT);
    JsonNode jn = NnvmJson.field(root, "nodes", WHAT);
    List<String> unknown = new ArrayList<>();
    for (JsonNode n : jn) {
      String op = NnvmJson.field(n, "op", WHAT).asText();
      if (!op.equals("null") && !OpRegistry.contains(op)) unknown.add("node '" + n.path("name").asText() + "': op " + op);
    }
    if (!unknown.isEmpty()) throw CompileException.all(ErrorCode.UNSUPPORTED, Span.NONE, unknown.size() + " unknown ops in " + WHAT, unknown);
    List<Node> nodes = new ArrayList<>();
    for (JsonNode n : jn) {
      String op = n.get("op").asText();
      String name = NnvmJson.field(n, "name", WHAT).asText();
      List<NodeEntry> inputs = new ArrayList<>();
      for (int[] e : NnvmJson.triples(NnvmJson.field(n, "inputs", WHAT))) {
        if (e[0] < 0 || e[0] >= nodes.size()) {
          throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.node(name, op), WHAT + " input [" + e[0] + ", " + e[1]
              + "] does not name an earlier node");
        }
        inputs.add(entry(nodes.get(e[0]), e[1], name, op));
      }
      if (op.equals("null")) {
        nodes.add(Node.variable(name));
      } else {
        Map<String, String> attrs = new LinkedHashMap<>();
        JsonNode a = n.has("attrs") ? n.get("attrs") : n.has("attr") ? n.get("attr") : n.get("param");
        if (a != null) a.fields().forEachRemaining(f -> attrs.put(f.getKey(), f.getValue().asText()));
        nodes.add(Node.apply(OpRegistry.get(op), name, attrs, inputs));
      }
    }
    List<NodeEntry> heads = new ArrayList<>();
    for (int[] h : NnvmJson.triples(NnvmJson.field(root, "heads", WHAT))) {
      if (h[0] < 0 || h[0] >= nodes.size()) throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.NONE, WHAT + " head [" + h[0]
          + ", " + h[1] + "] does not name a node");
      heads.add(entry(nodes.get(h[0]), h[1], null, null));
    }
    Graph g = Graph.create(heads);
    JsonNode attrs = root.get("attrs");
    if (attrs != null && attrs.has("shape")) {
      List<Shape> file = new ArrayList<>();
      for (JsonNode s : NnvmJson.listValue(attrs, "shape", WHAT)) {
        long[] d = new long[s.size()];
        for (int i = 0; i < d.length; i++) d[i] = s.get(i).asLong();
        file.add(Shape.of(d));
      }
      g = g.withAttr(Graph.SHAPE, remap(g, nodes, file, Shape[]::new, "shape"));
    }
    if (attrs != null && attrs.has("dtype")) {
      List<DType> file = new ArrayList<>();
      for (JsonNode t : NnvmJson.listValue(attrs, "dtype", WHAT)) {
        int flag = t.asInt();
        if (flag < 0 || flag >= TYPE_FLAGS.size()) throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.NONE, WHAT + " has type flag " + flag);
        file.add(TYPE_FLAGS.get(flag));
      }
      g = g.withAttr(Graph.DTYPE, remap(g, nodes, file, DType[]::new, "dtype"));
    }
    return g;
  }

  private static NodeEntry entry(Node n, int index, String user, String op) {
    if (index < 0 || index >= n.numOutputs()) {
      throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.node(user, op), WHAT + " reads output " + index + " of node '"
          + n.name() + "', which has " + n.numOutputs());
    }
    return new NodeEntry(n, index);
  }

  /** Per-entry values in file order, re-indexed by the entry ids of {@code g} (whose node order may differ). */
  private static <T> T[] remap(Graph g, List<Node> fileOrder, List<T> values, java.util.function.IntFunction<T[]> newArray, String what) {
    int entries = fileOrder.stream().mapToInt(Node::numOutputs).sum();
    if (values.size() != entries) {
      throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.NONE, WHAT + " attribute '" + what + "' has " + values.size()
          + " values for " + entries + " entries");
    }
    T[] out = newArray.apply(g.numEntries());
    int k = 0;
    for (Node n : fileOrder) {
      for (int i = 0; i < n.numOutputs(); i++, k++) {
        if (g.contains(n)) out[g.entryId(new NodeEntry(n, i))] = values.get(k);
      }
    }
    return out;
  }
}
