package org.nnvm4j.graph.deploy;

import static org.nnvm4j.graph.format.NnvmJson.ints;
import static org.nnvm4j.graph.format.NnvmJson.triples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.format.NnvmJson;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;

/**
 * What the graph runtime executes (NNVM's deploy graph JSON): variable nodes ({@code op: "null"})
 * and {@code tvm_op} nodes that call compiled function {@code attrs.func_name}; {@code arg_nodes},
 * {@code node_row_ptr}, {@code heads}, and per-entry {@code storage_id}, {@code shape},
 * {@code dltype}.
 */
public record DeployGraph(List<DeployNode> nodes, List<Integer> argNodes, List<Integer> nodeRowPtr, List<int[]> heads,
    List<Integer> storageIds, List<Shape> shapes, List<DType> dtypes) {
  private static final String WHAT = "deploy graph";

  /** A node: {@code op} is {@code "null"} for variables, {@code "tvm_op"} for compiled functions. */
  public record DeployNode(String op, String name, Map<String, String> attrs, List<int[]> inputs) {
    public DeployNode {
      attrs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
      inputs = List.copyOf(inputs);
    }

    public boolean isVariable() { return op.equals("null"); }

    public String funcName() { return attrs.get("func_name"); }
  }

  public DeployGraph {
    nodes = List.copyOf(nodes);
    argNodes = List.copyOf(argNodes);
    nodeRowPtr = List.copyOf(nodeRowPtr);
    heads = List.copyOf(heads);
    storageIds = List.copyOf(storageIds);
    shapes = List.copyOf(shapes);
    dtypes = List.copyOf(dtypes);
  }

  public int entryId(int node, int index) { return nodeRowPtr.get(node) + index; }

  public int numEntries() { return nodeRowPtr.get(nodeRowPtr.size() - 1); }

  /** The JSON text, in NNVM's format. */
  public String toJson() {
    ObjectNode root = NnvmJson.JSON.createObjectNode();
    ArrayNode ns = root.putArray("nodes");
    for (DeployNode n : nodes) {
      ObjectNode o = ns.addObject();
      o.put("op", n.op());
      o.put("name", n.name());
      if (!n.attrs().isEmpty()) {
        ObjectNode a = o.putObject("attrs");
        n.attrs().forEach(a::put);
      }
      ArrayNode in = o.putArray("inputs");
      for (int[] e : n.inputs()) NnvmJson.addTriple(in, e[0], e[1]);
    }
    ArrayNode args = root.putArray("arg_nodes");
    argNodes.forEach(args::add);
    ArrayNode rp = root.putArray("node_row_ptr");
    nodeRowPtr.forEach(rp::add);
    ArrayNode hs = root.putArray("heads");
    for (int[] h : heads) NnvmJson.addTriple(hs, h[0], h[1]);
    ObjectNode attrs = root.putObject("attrs");
    ArrayNode sid = attrs.putArray("storage_id");
    sid.add("list_int");
    ArrayNode sidv = sid.addArray();
    storageIds.forEach(sidv::add);
    ArrayNode sh = attrs.putArray("shape");
    sh.add("list_shape");
    ArrayNode shv = sh.addArray();
    for (Shape s : shapes) {
      ArrayNode d = shv.addArray();
      for (long x : s.toArray()) d.add(x);
    }
    ArrayNode dt = attrs.putArray("dltype");
    dt.add("list_str");
    ArrayNode dtv = dt.addArray();
    dtypes.forEach(t -> dtv.add(t.toString()));
    return NnvmJson.write(root);
  }

  /**
   * Parses NNVM deploy graph JSON.
   *
   * @throws CompileException naming the missing or malformed field
   */
  public static DeployGraph parse(String json) {
    JsonNode root = NnvmJson.parse(json, WHAT);
    List<DeployNode> nodes = new ArrayList<>();
    for (JsonNode n : field(root, "nodes")) {
      Map<String, String> attrs = new LinkedHashMap<>();
      JsonNode a = n.has("attrs") ? n.get("attrs") : n.get("param");
      if (a != null) a.fields().forEachRemaining(e -> attrs.put(e.getKey(), e.getValue().asText()));
      nodes.add(new DeployNode(text(n, "op"), text(n, "name"), attrs, triples(field(n, "inputs"))));
    }
    JsonNode attrs = field(root, "attrs");
    List<Shape> shapes = new ArrayList<>();
    for (JsonNode s : listValue(attrs, "shape")) {
      long[] d = new long[s.size()];
      for (int i = 0; i < d.length; i++) d[i] = s.get(i).asLong();
      shapes.add(Shape.of(d));
    }
    List<DType> dtypes = new ArrayList<>();
    for (JsonNode t : listValue(attrs, "dltype")) dtypes.add(DType.parse(t.asText()));
    DeployGraph g = new DeployGraph(nodes, ints(field(root, "arg_nodes")), ints(field(root, "node_row_ptr")),
        triples(field(root, "heads")), ints(listValue(attrs, "storage_id")), shapes, dtypes);
    g.validate();
    return g;
  }

  private void validate() {
    int n = numEntries();
    if (nodeRowPtr.size() != nodes.size() + 1 || storageIds.size() != n || shapes.size() != n || dtypes.size() != n) {
      throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.NONE, "deploy graph is inconsistent: " + nodes.size()
          + " nodes, " + n + " entries, " + storageIds.size() + " storage ids, " + shapes.size() + " shapes, "
          + dtypes.size() + " dtypes");
    }
    for (int i = 0; i < nodes.size(); i++) {
      for (int[] e : nodes.get(i).inputs()) {
        if (e[0] < 0 || e[0] >= i || e[1] < 0 || e[1] >= nodeRowPtr.get(e[0] + 1) - nodeRowPtr.get(e[0])) {
          throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.node(nodes.get(i).name(), nodes.get(i).op()),
              "deploy graph input [" + e[0] + ", " + e[1] + "] does not name an earlier node's output");
        }
      }
    }
  }

  private static JsonNode field(JsonNode o, String name) { return NnvmJson.field(o, name, WHAT); }

  private static String text(JsonNode o, String name) { return field(o, name).asText(); }

  private static JsonNode listValue(JsonNode attrs, String name) { return NnvmJson.listValue(attrs, name, WHAT); }
}
