package org.nnvm4j.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The symbolic graph-building API of NNVM ({@code nnvm.symbol}): a symbol is a list of output
 * entries; ops applied to symbols make new symbols.
 * <pre>{@code
 * Symbol x = Symbol.variable("x"), y = Symbol.variable("y");
 * Graph g = Graph.create(Symbol.elemwiseAdd(x, y));
 * }</pre>
 */
public final class Symbol {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final List<NodeEntry> outputs;

  private Symbol(List<NodeEntry> outputs) { this.outputs = List.copyOf(outputs); }

  /** A free variable: a graph input or a parameter. */
  public static Symbol variable(String name) { return new Symbol(List.of(new NodeEntry(Node.variable(name), 0))); }

  /** Applies the registered op {@code opName} to {@code inputs} (each must have one output). */
  public static Symbol create(String opName, Map<String, String> attrs, Symbol... inputs) {
    return create(opName, null, attrs, inputs);
  }

  /** Like {@link #create(String, Map, Symbol...)} with an explicit node name ({@code null}: generated). */
  public static Symbol create(String opName, String nodeName, Map<String, String> attrs, Symbol... inputs) {
    Op op = OpRegistry.get(opName);
    List<NodeEntry> in = new ArrayList<>();
    for (Symbol s : inputs) in.addAll(s.outputs);
    String name = nodeName != null ? nodeName : opName + COUNTER.getAndIncrement();
    Node n = Node.apply(op, name, attrs, in);
    List<NodeEntry> outs = new ArrayList<>();
    for (int i = 0; i < n.numOutputs(); i++) outs.add(new NodeEntry(n, i));
    return new Symbol(outs);
  }

  /** Groups several symbols into one with all their outputs. */
  public static Symbol group(Symbol... symbols) {
    List<NodeEntry> all = new ArrayList<>();
    Arrays.stream(symbols).forEach(s -> all.addAll(s.outputs));
    return new Symbol(all);
  }

  public List<NodeEntry> outputs() { return outputs; }

  /** Output {@code i} as its own symbol. */
  public Symbol get(int i) { return new Symbol(List.of(outputs.get(i))); }

  public static Symbol elemwiseAdd(Symbol lhs, Symbol rhs) { return create("elemwise_add", Map.of(), lhs, rhs); }

  public static Symbol elemwiseSub(Symbol lhs, Symbol rhs) { return create("elemwise_sub", Map.of(), lhs, rhs); }

  public static Symbol elemwiseMul(Symbol lhs, Symbol rhs) { return create("elemwise_mul", Map.of(), lhs, rhs); }

  public static Symbol elemwiseDiv(Symbol lhs, Symbol rhs) { return create("elemwise_div", Map.of(), lhs, rhs); }

  public static Symbol relu(Symbol data) { return create("relu", Map.of(), data); }

  public static Symbol negative(Symbol data) { return create("negative", Map.of(), data); }

  public static Symbol exp(Symbol data) { return create("exp", Map.of(), data); }

  public static Symbol sigmoid(Symbol data) { return create("sigmoid", Map.of(), data); }

  public static Symbol tanh(Symbol data) { return create("tanh", Map.of(), data); }

  @Override public String toString() { return Graph.create(this).ir(); }
}
