package org.nnvm4j.graph.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;

/** Reading and writing the parts NNVM's graph JSON and deploy JSON share: fields, int lists, entry triples, typed attributes. */
public final class NnvmJson {
  /** The mapper both formats use (indented output). */
  public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private NnvmJson() {}

  /** Parses {@code text}; {@code what} names the document in the error ("deploy graph", "graph"). */
  public static JsonNode parse(String text, String what) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.NONE, what + " is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  public static String write(JsonNode root) {
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Field {@code name} of {@code o}; missing is a {@link CompileException} naming it. */
  public static JsonNode field(JsonNode o, String name, String what) {
    JsonNode v = o.get(name);
    if (v == null) throw new CompileException(ErrorCode.MALFORMED_INPUT, new Span(null, null, null, name), what + " lacks '" + name + "'");
    return v;
  }

  /** The values of a typed attribute {@code [type, values]}. */
  public static JsonNode listValue(JsonNode attrs, String name, String what) {
    JsonNode v = field(attrs, name, what);
    if (!v.isArray() || v.size() != 2) {
      throw new CompileException(ErrorCode.MALFORMED_INPUT, new Span(null, null, null, name), what + " attribute '" + name
          + "' is not [type, values]");
    }
    return v.get(1);
  }

  public static List<Integer> ints(JsonNode a) {
    List<Integer> out = new ArrayList<>();
    for (JsonNode x : a) out.add(x.asInt());
    return out;
  }

  /** Entries {@code [node, index, version]}; a missing version reads as 0. */
  public static List<int[]> triples(JsonNode a) {
    List<int[]> out = new ArrayList<>();
    for (JsonNode e : a) out.add(new int[] {e.get(0).asInt(), e.get(1).asInt(), e.size() > 2 ? e.get(2).asInt() : 0});
    return out;
  }

  public static void addTriple(ArrayNode to, int node, int index) { to.addArray().add(node).add(index).add(0); }
}
