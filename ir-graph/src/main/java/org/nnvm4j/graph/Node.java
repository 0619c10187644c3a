package org.nnvm4j.graph;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A node of the graph: a variable (an input or parameter, {@code op == null}) or an application of a
 * registered {@link Op} to input entries with string attributes. Identity-compared.
 */
public final class Node {
  private final Op op;
  private final String name;
  private final Map<String, String> attrs;
  private final List<NodeEntry> inputs;

  private Node(Op op, String name, Map<String, String> attrs, List<NodeEntry> inputs) {
    this.op = op;
    this.name = Objects.requireNonNull(name, "name");
    this.attrs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
    this.inputs = List.copyOf(inputs);
  }

  /** A variable node. */
  public static Node variable(String name) { return new Node(null, name, Map.of(), List.of()); }

  /** An op node; attributes are validated against the op's schema. */
  public static Node apply(Op op, String name, Map<String, String> attrs, List<NodeEntry> inputs) {
    Map<String, String> full = op.validateAttrs(name, attrs);
    op.checkArity(name, full, inputs.size());
    return new Node(op, name, full, inputs);
  }

  public boolean isVariable() { return op == null; }

  /** The op, or null for a variable. */
  public Op op() { return op; }

  public String name() { return name; }

  public Map<String, String> attrs() { return attrs; }

  public List<NodeEntry> inputs() { return inputs; }

  public int numOutputs() { return op == null ? 1 : op.numOutputs(attrs); }

  @Override public String toString() { return (op == null ? "var" : op.name()) + "(" + name + ")"; }
}
