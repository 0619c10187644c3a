package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Device;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.deploy.DeployGraph;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * Two consecutive grouped 3x3 convs (bias, relu; the second strided or not), optionally between 1x1 convs of groups 1 as in
 * a ResNeXt block, compiled for llvm at opt levels 2 (x86 grouped compute, weight packed in the kernel) and 3
 * (group_conv2d_NCHWc, weights packed at build time, for 8 or more channels per group; fewer stay NCHW) against the same
 * graph on the interpreter backend (the generic computes), for groups 2, 4, 32 and odd channel counts; the two grouped
 * convs hand over their data with no layout_transform between them. |a - d| <= 1e-5 + 1e-4 |d| ({@link SmallCnnTest#assertClose}).
 */
class GroupConvGraphTest {
  /** name, batch, input channels, size, channels of both grouped convs, groups, stride of the second, 1x1 convs around them. */
  record Block(String name, int n, int c, int size, int channels, int groups, int stride, boolean pointwise) {
    @Override public String toString() { return name; }
  }

  static final List<Block> BLOCKS = List.of(
      new Block("groups 2, 8 channels", 1, 8, 9, 8, 2, 1, false),
      new Block("groups 4, 32 -> 64, stride 2", 2, 32, 11, 64, 4, 2, false),
      new Block("groups 32, 128 channels (ResNeXt 32x4d)", 1, 128, 10, 128, 32, 1, false),
      new Block("groups 3, 9 -> 15 (5 per group)", 1, 9, 7, 15, 3, 1, false),
      new Block("groups 2, 6 -> 14 (7 per group), stride 2", 1, 6, 13, 14, 2, 2, false),
      new Block("ResNeXt block 16 -> 32 g8 -> 16", 1, 16, 8, 32, 8, 1, true),
      new Block("ResNeXt block 32 -> 64 g4, stride 2 -> 32", 1, 32, 10, 64, 4, 2, true));

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (int opt : new int[] {2, 3}) for (Block b : BLOCKS) out.add(Arguments.of(opt, b));
    return out.stream();
  }

  private static Symbol conv(Symbol x, String name, int channels, int kernel, int stride, int groups) {
    return Symbol.relu(Symbol.conv2d(x, Symbol.variable(name + "_w"), Symbol.variable(name + "_b"), channels, kernel, stride, kernel / 2,
        Map.of("groups", Integer.toString(groups))));
  }

  private static Map<String, NDArray> params(Block b) {
    Map<String, NDArray> p = new LinkedHashMap<>();
    int c = b.pointwise() ? b.channels() : b.c();
    if (b.pointwise()) p.put("in_w", DetectionBackendsTest.uniform(11, b.channels(), b.c(), 1, 1));
    p.put("g1_w", DetectionBackendsTest.uniform(12, b.channels(), c / b.groups(), 3, 3));
    p.put("g2_w", DetectionBackendsTest.uniform(13, b.channels(), b.channels() / b.groups(), 3, 3));
    if (b.pointwise()) p.put("out_w", DetectionBackendsTest.uniform(14, b.c(), b.channels(), 1, 1));
    for (String k : List.copyOf(p.keySet())) {
      NDArray w = p.get(k);
      // scaled by 1/sqrt(fan-in), as networks are initialized, so the activations stay near 1 through four convs
      double scale = 1 / Math.sqrt((double) w.numElements() / w.shape().dim(0));
      for (int i = 0; i < w.numElements(); i++) w.setDouble(i, w.getDouble(i) * scale);
      p.put(k.replace("_w", "_b"), DetectionBackendsTest.uniform(15 + k.length(), w.shape().dim(0)));
    }
    return p;
  }

  private static Symbol graph(Block b) {
    Symbol x = Symbol.variable("x");
    if (b.pointwise()) x = conv(x, "in", b.channels(), 1, 1, 1);
    Symbol y = conv(conv(x, "g1", b.channels(), 3, 1, b.groups()), "g2", b.channels(), 3, b.stride(), b.groups());
    return b.pointwise() ? conv(y, "out", b.c(), 1, 1, 1) : y;
  }

  /** Output 0 of {@code b} built for {@code target} at {@code opt} and run on {@code device}; the fused functions in {@code funcs}. */
  private static float[] run(Block b, String target, int opt, Device device, NDArray x, List<String> funcs) {
    try (CompiledGraph cg = Compiler.build(Graph.create(graph(b)), target, Map.of("x", x.shape()), Map.of(), DType.F32, params(b),
        Compiler.buildConfig(opt, Set.of()));
         GraphModule gm = GraphModule.create(cg, device)) {
      cg.deployGraph().nodes().stream().filter(n -> !n.isVariable()).map(DeployGraph.DeployNode::funcName).forEach(funcs::add);
      gm.setInput("x", x);
      gm.run();
      try (NDArray out = gm.getOutput(0)) {
        return out.toFloatArray();
      }
    }
  }

  @ParameterizedTest(name = "opt {0}: {1}")
  @MethodSource("cases")
  void matchesTheInterpreterAndStaysBlockedBetweenGroupedConvs(int opt, Block b) {
    Device cpu = BackendCase.deviceOf("llvm");
    NDArray x = DetectionBackendsTest.uniform(1, b.n(), b.c(), b.size(), b.size());
    List<String> funcs = new ArrayList<>();
    float[] got = run(b, "llvm", opt, cpu, x, funcs);
    float[] want = run(b, "interp", 2, new Device("interp", 0), x, new ArrayList<>());
    SmallCnnTest.assertClose(got, want, "opt " + opt + " " + b);
    List<String> convs = funcs.stream().filter(f -> f.contains("conv2d")).toList();
    int first = funcs.indexOf(convs.get(b.pointwise() ? 1 : 0)), second = funcs.indexOf(convs.get(b.pointwise() ? 2 : 1));
    assertThat(funcs.subList(first, second + 1)).as("no layout_transform between the grouped convs: %s", funcs)
        .noneMatch(f -> f.contains("layout_transform"));
    // at opt 3, 8 or more channels per group run group_conv2d_NCHWc (weights packed at build time); fewer stay NCHW
    boolean blocked = opt == 3 && b.channels() / b.groups() >= 8;
    assertThat(funcs.subList(first, second + 1)).as("%s", funcs).allMatch(f -> f.startsWith("fuse_group_conv2d_NCHWc") == blocked);
    if (opt < 3) assertThat(funcs).as("%s", funcs).noneMatch(f -> f.contains("layout_transform") || f.contains("NCHWc"));
  }

  /**
   * ResNeXt's grouped convs carry a batch norm, not a bias: at opt 3 the batch norm (simplified to a scale and a shift)
   * composes with AlterOpLayout, runs blocked after group_conv2d_NCHWc, and both convs stay blocked.
   */
  @ParameterizedTest(name = "opt {0}")
  @ValueSource(ints = {2, 3})
  void batchNormAfterGroupedConvsMatchesTheInterpreter(int opt) {
    Device cpu = BackendCase.deviceOf("llvm");
    Symbol x = Symbol.variable("x");
    for (int i = 0; i < 2; i++) {
      String n = "g" + i;
      x = Symbol.relu(Symbol.batchNorm(Symbol.conv2d(x, Symbol.variable(n + "_w"), null, 32, 3, 1, 1, Map.of("groups", "4")),
          Symbol.variable(n + "_gamma"), Symbol.variable(n + "_beta"), Symbol.variable(n + "_mean"), Symbol.variable(n + "_var"), 1e-5));
    }
    NDArray in = DetectionBackendsTest.uniform(2, 1, 32, 9, 9);
    float[][] out = new float[2][];
    List<String> funcs = new ArrayList<>();
    String[] targets = {"llvm", "interp"};
    for (int t = 0; t < 2; t++) {
      try (CompiledGraph cg = Compiler.build(Graph.create(x), targets[t], Map.of("x", in.shape()), Map.of(), DType.F32, batchNormParams(),
          Compiler.buildConfig(t == 0 ? opt : 2, Set.of()));
           GraphModule gm = GraphModule.create(cg, t == 0 ? cpu : new Device("interp", 0))) {
        if (t == 0) cg.deployGraph().nodes().stream().filter(n -> !n.isVariable()).map(DeployGraph.DeployNode::funcName).forEach(funcs::add);
        gm.setInput("x", in);
        gm.run();
        try (NDArray o = gm.getOutput(0)) {
          out[t] = o.toFloatArray();
        }
      }
    }
    SmallCnnTest.assertClose(out[0], out[1], "opt " + opt + " " + funcs);
    if (opt == 3) {
      assertThat(funcs).as("%s", funcs).filteredOn(f -> f.startsWith("fuse_group_conv2d_NCHWc")).hasSize(2);
      assertThat(funcs).as("%s", funcs).filteredOn(f -> f.contains("layout_transform")).hasSize(2);
    }
  }

  /** The weights (scaled by 1/sqrt(fan-in)) and batch-norm parameters of {@link #batchNormAfterGroupedConvsMatchesTheInterpreter}. */
  private static Map<String, NDArray> batchNormParams() {
    Map<String, NDArray> params = new LinkedHashMap<>();
    for (int i = 0; i < 2; i++) {
      String n = "g" + i;
      NDArray w = DetectionBackendsTest.uniform(20 + i, 32, 8, 3, 3);
      for (int k = 0; k < w.numElements(); k++) w.setDouble(k, w.getDouble(k) / Math.sqrt(72));
      params.put(n + "_w", w);
      params.put(n + "_gamma", DetectionBackendsTest.uniform(30 + i, 32));
      params.put(n + "_beta", DetectionBackendsTest.uniform(40 + i, 32));
      params.put(n + "_mean", DetectionBackendsTest.uniform(50 + i, 32));
      NDArray var = DetectionBackendsTest.uniform(60 + i, 32);
      for (int k = 0; k < 32; k++) var.setDouble(k, 0.5 + Math.abs(var.getDouble(k)));
      params.put(n + "_var", var);
    }
    return params;
  }
}
