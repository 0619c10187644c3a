package org.nnvm4j.pass.diag;

import java.util.Objects;

/**
 * Where in the user's input a problem is: a file, and within it a node, an op and an attribute.
 * Every part may be absent; {@link #toString()} names the parts that are present.
 */
public record Span(String file, String node, String op, String attribute) {
  public static final Span NONE = new Span(null, null, null, null);

  public static Span file(String file) { return new Span(file, null, null, null); }

  public static Span node(String node, String op) { return new Span(null, node, op, null); }

  public Span withFile(String f) { return new Span(f, node, op, attribute); }

  public Span withAttribute(String a) { return new Span(file, node, op, a); }

  public boolean isEmpty() { return file == null && node == null && op == null && attribute == null; }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    append(b, "file", file);
    append(b, "node", node);
    append(b, "op", op);
    append(b, "attribute", attribute);
    return b.toString();
  }

  private static void append(StringBuilder b, String what, String value) {
    if (value == null) return;
    if (!b.isEmpty()) b.append(", ");
    b.append(what).append(" '").append(value).append('\'');
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Span s && Objects.equals(file, s.file) && Objects.equals(node, s.node)
        && Objects.equals(op, s.op) && Objects.equals(attribute, s.attribute);
  }

  @Override
  public int hashCode() { return Objects.hash(file, node, op, attribute); }
}
