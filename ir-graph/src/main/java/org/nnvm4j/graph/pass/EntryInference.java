package org.nnvm4j.graph.pass;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;

/**
 * The fixed-point engine shared by {@link InferShape} and {@link InferType}: sweeps the nodes in
 * order, letting each op's rule fill unknown input and output values, until nothing changes; then
 * every entry must be known.
 */
final class EntryInference<T> {
  /** One op's rule: may fill nulls in the input array; returns the outputs or null. */
  interface Rule<T> { T[] apply(Node node, T[] inputs); }

  private final String what;
  private final IntFunction<T[]> newArray;

  EntryInference(String what, IntFunction<T[]> newArray) {
    this.what = what;
    this.newArray = newArray;
  }

  T[] run(Graph g, Map<String, T> given, Rule<T> rule, BiFunction<Node, Integer, String> describe) {
    T[] values = newArray.apply(g.numEntries());
    for (Node n : g.inputs()) {
      T v = given.get(n.name());
      if (v != null) values[g.entryId(new NodeEntry(n, 0))] = v;
    }
    for (String name : given.keySet()) {
      if (g.inputs().stream().noneMatch(n -> n.name().equals(name))) {
        throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.node(name, null), "a " + what + " is given for '" + name
            + "', which is not an input of the graph; inputs are " + g.inputs().stream().map(Node::name).toList());
      }
    }
    boolean changed = true;
    for (int sweep = 0; changed && sweep <= g.nodes().size() + 1; sweep++) {
      changed = false;
      for (Node n : g.nodes()) {
        if (n.isVariable()) continue;
        T[] in = newArray.apply(n.inputs().size());
        for (int i = 0; i < in.length; i++) in[i] = values[g.entryId(n.inputs().get(i))];
        T[] before = in.clone();
        T[] out;
        try {
          out = rule.apply(n, in);
        } catch (CompileException e) {
          throw new CompileException(e.code(), Span.node(n.name(), n.op().name()), what + " inference failed: " + e.getMessage(), e);
        }
        for (int i = 0; i < in.length; i++) {
          if (before[i] == null && in[i] != null) {
            values[g.entryId(n.inputs().get(i))] = in[i];
            changed = true;
          }
        }
        if (out == null) continue;
        for (int k = 0; k < out.length; k++) {
          int id = g.entryId(new NodeEntry(n, k));
          if (values[id] == null && out[k] != null) {
            values[id] = out[k];
            changed = true;
          }
        }
      }
    }
    List<String> unknown = new ArrayList<>();
    for (Node n : g.nodes()) {
      for (int k = 0; k < n.numOutputs(); k++) {
        if (values[g.entryId(new NodeEntry(n, k))] == null) unknown.add(describe.apply(n, k));
      }
    }
    if (!unknown.isEmpty()) {
      throw CompileException.all(ErrorCode.INVALID_ARGUMENT, Span.NONE, "cannot infer the " + what + " of "
          + unknown.size() + " graph entries; give the input " + what + "s", unknown);
    }
    return values;
  }
}
