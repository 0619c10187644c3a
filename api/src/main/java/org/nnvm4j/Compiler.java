package org.nnvm4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.backend.Target;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.graph.deploy.DeployGraph;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.graph.pass.InferType;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.Sequential;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * Compiles a graph for a target (NNVM's {@code nnvm.compiler.build}): infers shapes and dtypes,
 * turns every op node into one tensor-expression program scheduled by the target's backend, lowers
 * each to TIR, generates one module, and writes the deploy graph.
 */
public final class Compiler {
  private Compiler() {}

  /** Builds with one dtype for every input, no params, opt level 2. */
  public static CompiledGraph build(Graph graph, String target, Map<String, Shape> shapes, DType dtype) {
    return build(graph, target, shapes, Map.of(), dtype, Map.of(), PassContext.builder().optLevel(2).build());
  }

  /**
   * Builds {@code graph} for {@code target} (e.g. {@code "llvm"}).
   *
   * @param shapes input shapes by name; others are inferred where the ops allow
   * @param dtypes input dtypes by name; {@code defaultType} for the rest
   * @param params values of the inputs that are parameters (their shapes and dtypes are taken from them)
   * @throws CompileException when the graph, shapes or target are wrong; every problem is named
   */
  public static CompiledGraph build(Graph graph, String target, Map<String, Shape> shapes, Map<String, DType> dtypes,
      DType defaultType, Map<String, NDArray> params, PassContext ctx) {
    Target t = Target.parse(target);
    Map<String, Shape> allShapes = new HashMap<>(shapes);
    Map<String, DType> allTypes = new HashMap<>(dtypes);
    params.forEach((k, v) -> {
      allShapes.put(k, v.shape());
      allTypes.put(k, v.dtype());
    });
    PassContext gctx = ctx.toBuilder()
        .config(InferShape.INFO.name(), new InferShape.Config(allShapes))
        .config(InferType.INFO.name(), new InferType.Config(allTypes, defaultType))
        .build();
    Graph g = Sequential.of("graph.optimize", Graph.class, InferShape.pass(), InferType.pass()).run(graph, gctx);
    try (Backend backend = BackendRegistry.defaultRegistry().create(t)) {
      return compile(g, backend, ctx, params);
    }
  }

  private static CompiledGraph compile(Graph g, Backend backend, PassContext ctx, Map<String, NDArray> params) {
    Shape[] shapes = g.attr(Graph.SHAPE, Shape[].class);
    DType[] types = g.attr(Graph.DTYPE, DType[].class);
    unsupported(g);
    List<PrimFunc> funcs = new ArrayList<>();
    List<DeployGraph.DeployNode> nodes = new ArrayList<>();
    List<Integer> argNodes = new ArrayList<>();
    Map<String, Integer> funcNames = new HashMap<>();
    for (int i = 0; i < g.nodes().size(); i++) {
      Node n = g.nodes().get(i);
      List<int[]> inputs = new ArrayList<>();
      for (NodeEntry e : n.inputs()) inputs.add(new int[] {g.nodeId(e.node()), e.index(), 0});
      if (n.isVariable()) {
        argNodes.add(i);
        nodes.add(new DeployGraph.DeployNode("null", n.name(), Map.of(), List.of()));
        continue;
      }
      List<Tensor> in = new ArrayList<>();
      for (int k = 0; k < n.inputs().size(); k++) {
        int id = g.entryId(n.inputs().get(k));
        List<String> names = n.op().inputNames();
        in.add(Te.placeholder(Te.shape(shapes[id].toArray()), types[id], k < names.size() ? names.get(k) : "input" + k));
      }
      List<Tensor> out = n.op().compute().compute(n.attrs(), in);
      String base = "fuse_" + n.op().name();
      int dup = funcNames.merge(base, 1, Integer::sum);
      String func = dup == 1 ? base : base + "_" + (dup - 1);
      Schedule s = backend.lowering().schedule(new ScheduleRequest(out, n.op().pattern().id(), n.op().name(),
          new LinkedHashMap<>(n.attrs())));
      List<Tensor> args = new ArrayList<>(in);
      args.addAll(out);
      funcs.add(Lower.lower(s, args, func, ctx));
      Map<String, String> attrs = new LinkedHashMap<>();
      attrs.put("func_name", func);
      attrs.put("num_inputs", Integer.toString(in.size()));
      attrs.put("num_outputs", Integer.toString(out.size()));
      attrs.put("flatten_data", "0");
      nodes.add(new DeployGraph.DeployNode("tvm_op", n.name(), attrs, inputs));
    }
    Module module = backend.lowering().codegen(funcs, ctx);
    List<Integer> rowPtr = new ArrayList<>();
    for (int r : g.rowPtr()) rowPtr.add(r);
    List<int[]> heads = g.outputs().stream().map(e -> new int[] {g.nodeId(e.node()), e.index(), 0}).toList();
    List<Integer> storage = new ArrayList<>();
    for (int i = 0; i < g.numEntries(); i++) storage.add(i);
    DeployGraph dg = new DeployGraph(nodes, argNodes, rowPtr, heads, storage, List.of(shapes), List.of(types));
    return new CompiledGraph(dg.toJson(), module, params);
  }

  /** Every op node without a compute, reported at once. */
  private static void unsupported(Graph g) {
    List<String> missing = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (!n.isVariable() && n.op().compute() == null) missing.add("node '" + n.name() + "': op " + n.op().name() + " has no compute");
    }
    if (!missing.isEmpty()) {
      throw CompileException.all(ErrorCode.UNSUPPORTED, Span.NONE, missing.size() + " ops cannot be compiled", missing);
    }
  }
}
