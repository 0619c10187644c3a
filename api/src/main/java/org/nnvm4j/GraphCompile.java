package org.nnvm4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.graph.deploy.DeployGraph;
import org.nnvm4j.graph.pass.FuseOps;
import org.nnvm4j.graph.pass.PlanMemory;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * Turns each fused group of a planned graph into one tensor-expression program (NNVM's
 * {@code GraphCompile}): the members' computes composed in node order, scheduled by the backend for
 * the group's master op, every intermediate injective stage inlined, lowered to one function
 * {@code fuse_<op1>_<op2>...}; then writes the deploy graph with one {@code tvm_op} node per group.
 */
final class GraphCompile {
  /** One fused group: its members in node order; the last is its output. */
  private record Group(List<Node> members) {
    Node output() { return members.get(members.size() - 1); }

    /** The node the schedule is chosen for: the out-elemwise-fusable or reducing member, else the output. */
    Node master() {
      for (Node n : members) {
        OpPattern p = n.op().pattern();
        if (p == OpPattern.OUT_ELEMWISE_FUSABLE || p == OpPattern.COMM_REDUCE || p == OpPattern.OPAQUE) return n;
      }
      return output();
    }
  }

  private GraphCompile() {}

  static DeployGraph compile(Graph g, Backend backend, PassContext ctx, List<Module> moduleOut) {
    Shape[] shapes = g.attr(Graph.SHAPE, Shape[].class);
    DType[] types = g.attr(Graph.DTYPE, DType[].class);
    Integer[] groupOf = g.attr(FuseOps.GROUP, Integer[].class);
    Integer[] sid = g.attr(PlanMemory.STORAGE_ID, Integer[].class);
    Map<Integer, Group> groups = new LinkedHashMap<>();
    for (Node n : g.nodes()) {
      if (n.isVariable()) continue;
      groups.computeIfAbsent(groupOf[g.entryId(new NodeEntry(n, 0))], k -> new Group(new ArrayList<>())).members().add(n);
    }
    Map<Node, Group> byOutput = new HashMap<>();
    for (Group gr : groups.values()) byOutput.put(gr.output(), gr);
    List<PrimFunc> funcs = new ArrayList<>();
    List<DeployGraph.DeployNode> nodes = new ArrayList<>();
    List<Integer> argNodes = new ArrayList<>();
    Map<Node, Integer> deployId = new HashMap<>();
    Map<String, Integer> funcNames = new HashMap<>();
    Map<String, String> bySignature = new HashMap<>();
    List<Integer> rowPtr = new ArrayList<>(List.of(0));
    List<Integer> storage = new ArrayList<>();
    List<Shape> entryShapes = new ArrayList<>();
    List<DType> entryTypes = new ArrayList<>();
    for (Node n : g.nodes()) {
      Group gr = byOutput.get(n);
      if (!n.isVariable() && gr == null) continue;
      int id = nodes.size();
      deployId.put(n, id);
      if (n.isVariable()) {
        argNodes.add(id);
        nodes.add(new DeployGraph.DeployNode("null", n.name(), Map.of(), List.of()));
      } else {
        List<NodeEntry> inputs = externalInputs(gr);
        String key = structure(gr, inputs, g, shapes, types);
        String func = bySignature.get(key);
        if (func == null) {
          String base = "fuse_" + String.join("_", gr.members().stream().map(m -> m.op().name()).toList());
          int dup = funcNames.merge(base, 1, Integer::sum);
          func = dup == 1 ? base : base + "_" + (dup - 1);
          bySignature.put(key, func);
          funcs.add(lower(gr, inputs, g, shapes, types, func, backend, ctx));
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("func_name", func);
        attrs.put("num_inputs", Integer.toString(inputs.size()));
        attrs.put("num_outputs", Integer.toString(n.numOutputs()));
        attrs.put("flatten_data", "0");
        List<int[]> in = inputs.stream().map(e -> new int[] {deployId.get(e.node()), e.index(), 0}).toList();
        nodes.add(new DeployGraph.DeployNode("tvm_op", n.name(), attrs, in));
      }
      for (int k = 0; k < n.numOutputs(); k++) {
        int e = g.entryId(new NodeEntry(n, k));
        storage.add(sid[e]);
        entryShapes.add(shapes[e]);
        entryTypes.add(types[e]);
      }
      rowPtr.add(storage.size());
    }
    moduleOut.add(backend.lowering().codegen(funcs, ctx));
    List<int[]> heads = g.outputs().stream().map(e -> new int[] {deployId.get(e.node()), e.index(), 0}).toList();
    return new DeployGraph(nodes, argNodes, rowPtr, heads, storage, entryShapes, entryTypes);
  }

  /** Whether the backend's schedule left {@code st} as created: a stage it placed, split or annotated is kept. */
  private static boolean untouched(Stage st) {
    return st.attachStage() == null && st.relations().isEmpty() && st.leafIterVars().stream().allMatch(iv -> st.kindOf(iv) == ForKind.SERIAL);
  }

  /**
   * What decides a group's function: the members' ops, attributes and wiring, and the input and output
   * shapes and dtypes. Groups with equal structure share one function, as in TVM.
   */
  private static String structure(Group gr, List<NodeEntry> inputs, Graph g, Shape[] shapes, DType[] types) {
    StringBuilder b = new StringBuilder();
    for (NodeEntry e : inputs) b.append("in ").append(types[g.entryId(e)]).append(shapes[g.entryId(e)]).append(';');
    for (Node m : gr.members()) {
      b.append(m.op().name()).append(m.attrs()).append('(');
      for (NodeEntry e : m.inputs()) {
        int ext = inputs.indexOf(e);
        b.append(ext >= 0 ? "in" + ext : "m" + gr.members().indexOf(e.node()) + "." + e.index()).append(',');
      }
      b.append(");");
    }
    NodeEntry out = new NodeEntry(gr.output(), 0);
    return b.append("out ").append(types[g.entryId(out)]).append(shapes[g.entryId(out)]).toString();
  }

  /** The entries the group reads from outside, in order of first use. */
  private static List<NodeEntry> externalInputs(Group gr) {
    List<NodeEntry> out = new ArrayList<>();
    for (Node m : gr.members()) {
      for (NodeEntry e : m.inputs()) if (!gr.members().contains(e.node()) && !out.contains(e)) out.add(e);
    }
    return out;
  }

  private static PrimFunc lower(Group gr, List<NodeEntry> inputs, Graph g, Shape[] shapes, DType[] types, String func, Backend backend,
      PassContext ctx) {
    Map<NodeEntry, Tensor> tensors = new HashMap<>();
    List<Tensor> args = new ArrayList<>();
    for (int k = 0; k < inputs.size(); k++) {
      NodeEntry e = inputs.get(k);
      int id = g.entryId(e);
      String name = e.node().isVariable() ? e.node().name() : "input" + k;
      Tensor t = Te.placeholder(Te.shape(shapes[id].toArray()), types[id], name);
      tensors.put(e, t);
      args.add(t);
    }
    for (Node m : gr.members()) {
      List<Tensor> in = m.inputs().stream().map(tensors::get).toList();
      List<Tensor> out = backend.lowering().compute(m.op().name(), m.attrs(), in).orElseGet(() -> m.op().compute().compute(m.attrs(), in));
      for (int k = 0; k < out.size(); k++) tensors.put(new NodeEntry(m, k), out.get(k));
    }
    List<Tensor> results = new ArrayList<>();
    for (int k = 0; k < gr.output().numOutputs(); k++) results.add(tensors.get(new NodeEntry(gr.output(), k)));
    Node master = gr.master();
    Schedule s = backend.lowering().schedule(new ScheduleRequest(results, master.op().pattern().id(), master.op().name(),
        new LinkedHashMap<>(master.attrs())));
    for (Stage st : s.stages()) {
      if (st.op() instanceof ComputeOp c && c.reduceAxis().isEmpty() && results.stream().noneMatch(r -> r.op() == c) && !st.isInlined()
          && untouched(st)) {
        st.computeInline();
      }
    }
    args.addAll(results);
    return Lower.lower(s, args, func, ctx);
  }
}
