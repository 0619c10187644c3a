package org.nnvm4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.Target;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.deploy.DeployGraph;
import org.nnvm4j.graph.pass.AlterOpLayout;
import org.nnvm4j.graph.pass.CorrectLayout;
import org.nnvm4j.graph.pass.FoldScaleAxis;
import org.nnvm4j.graph.pass.FuseOps;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.graph.pass.InferType;
import org.nnvm4j.graph.pass.MaterializeOutputs;
import org.nnvm4j.graph.pass.PlanMemory;
import org.nnvm4j.graph.pass.PrecomputePrune;
import org.nnvm4j.graph.pass.SimplifyInference;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.Sequential;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * Compiles a graph for a target (NNVM's {@code nnvm.compiler.build}): infers shapes and dtypes, runs
 * the graph passes its opt level enables ({@link #buildConfig}), evaluates the parameter-only part
 * once, turns every fused group into one tensor-expression program scheduled by the target's backend,
 * lowers each to TIR, generates one module, and writes the deploy graph with its storage plan.
 */
public final class Compiler {
  private Compiler() {}

  /**
   * NNVM's {@code build_config(opt_level, add_pass)}: the context whose opt level enables
   * SimplifyInference (0), CorrectLayout (0), FuseOps (1), PrecomputePrune (2), FoldScaleAxis and
   * AlterOpLayout (3), plus the passes
   * named in {@code addPass} whatever the level.
   */
  public static PassContext buildConfig(int optLevel, Set<String> addPass) {
    return PassContext.builder().optLevel(optLevel).require(addPass.toArray(String[]::new)).build();
  }

  /**
   * The graph passes of {@link #build}, in order; each runs when the context's opt level enables it.
   * PrecomputePrune runs after AlterOpLayout and CorrectLayout, so that the weights' layout transforms are
   * computed once at build time.
   */
  public static Sequential<Graph> graphPipeline() {
    return Sequential.of("graph.optimize", Graph.class, InferShape.pass(), InferType.pass(), SimplifyInference.pass(),
        FoldScaleAxis.pass(), AlterOpLayout.pass(), CorrectLayout.pass(), PrecomputePrune.pass(), MaterializeOutputs.pass(),
        FuseOps.pass());
  }

  /** Builds with one dtype for every input, no params, opt level 2. */
  public static CompiledGraph build(Graph graph, String target, Map<String, Shape> shapes, DType dtype) {
    return build(graph, target, shapes, Map.of(), dtype, Map.of(), buildConfig(2, Set.of()));
  }

  /**
   * Builds {@code graph} for {@code target} (e.g. {@code "llvm"}).
   *
   * @param shapes input shapes by name; others are inferred where the ops allow
   * @param dtypes input dtypes by name; {@code defaultType} for the rest
   * @param params values of the inputs that are parameters (their shapes and dtypes are taken from them);
   *     the result holds the params the compiled graph reads, including precomputed ones
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
    try (Backend backend = BackendRegistry.defaultRegistry().create(t)) {
      PassContext gctx = ctx.toBuilder()
          .config(InferShape.INFO.name(), new InferShape.Config(allShapes))
          .config(InferType.INFO.name(), new InferType.Config(allTypes, defaultType))
          .config(FoldScaleAxis.INFO.name(), new FoldScaleAxis.Config(params.keySet()))
          .config(AlterOpLayout.INFO.name(), new AlterOpLayout.Config(backend.lowering()::alterOpLayout))
          .config(PrecomputePrune.INFO.name(), new PrecomputePrune.Config(params.keySet()))
          .build();
      Graph g = graphPipeline().run(graph, gctx);
      unsupported(g);
      Map<String, NDArray> allParams = new LinkedHashMap<>(params);
      PrecomputePrune.Precompute pre = g.attr(PrecomputePrune.PRECOMPUTE, PrecomputePrune.Precompute.class);
      if (pre != null) allParams.putAll(precompute(pre, backend, params, ctx));
      if (g.attr(FuseOps.GROUP, Integer[].class) == null) g = FuseOps.unfused(g);
      PassContext planCtx = ctx;
      if (ctx.config(PlanMemory.INFO.name(), PlanMemory.Config.class, null) == null) {
        planCtx = ctx.toBuilder().config(PlanMemory.INFO.name(), new PlanMemory.Config(true, !hostAddressable(backend))).build();
      }
      g = planCtx.apply(PlanMemory.pass(), g);
      if (g.attr(PlanMemory.STORAGE_ID, Integer[].class) == null) g = PlanMemory.apply(g, new PlanMemory.Config(false, true));
      List<Module> module = new ArrayList<>();
      DeployGraph dg = GraphCompile.compile(g, backend, ctx, module);
      Map<String, NDArray> used = new LinkedHashMap<>();
      for (Node v : g.inputs()) if (allParams.containsKey(v.name())) used.put(v.name(), allParams.get(v.name()));
      return new CompiledGraph(dg.toJson(), module.get(0), used);
    }
  }

  /**
   * Whether the backend's buffers are host memory, so that the graph runtime can view part of a shared
   * block; otherwise PlanMemory shares only blocks of exactly an entry's size.
   */
  private static boolean hostAddressable(Backend backend) {
    try (DeviceBuffer probe = backend.runtime().allocate(backend.runtime().devices().get(0), 1)) {
      return probe.hostSegment().isPresent();
    }
  }

  /** Compiles and runs the parameter-only part once; its outputs by their new variable names. */
  private static Map<String, NDArray> precompute(PrecomputePrune.Precompute pre, Backend backend, Map<String, NDArray> params,
      PassContext ctx) {
    Graph g = FuseOps.unfused(pre.graph());
    PassContext opt0 = ctx.toBuilder().optLevel(0).build();
    g = PlanMemory.apply(g, new PlanMemory.Config(true, !hostAddressable(backend)));
    List<Module> module = new ArrayList<>();
    DeployGraph dg = GraphCompile.compile(g, backend, opt0, module);
    Map<String, NDArray> out = new LinkedHashMap<>();
    try (Module m = module.get(0);
         GraphModule run = GraphModule.create(dg.toJson(), m, backend.runtime().devices().get(0))) {
      for (Node v : g.inputs()) run.setInput(v.name(), params.get(v.name()));
      run.run();
      for (int i = 0; i < pre.names().size(); i++) out.put(pre.names().get(i), run.getOutput(i));
    }
    return out;
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
