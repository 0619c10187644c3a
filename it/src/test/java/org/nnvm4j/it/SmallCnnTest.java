package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Device;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.deploy.DeployGraph;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * Small CNNs compiled for {@code llvm} at opt levels 0 to 3 agree with the same graph run unfused by
 * the TIR interpreter ({@code interp} backend, opt level 0). Tolerance |a - d| <= 1e-5 + 1e-4 |d|:
 * fusion, precomputed batch-norm constants and LLVM's reassociation change float32 rounding only.
 */
class SmallCnnTest {
  static final double RTOL = 1e-4;
  static final double ATOL = 1e-5;

  static float[] run(CnnModels.Model m, String target, int optLevel, Device device, NDArray x) {
    try (CompiledGraph cg = Compiler.build(m.graph(), target, Map.of("x", m.input()), Map.of(), DType.F32, m.newParams(7),
        Compiler.buildConfig(optLevel, Set.of()));
         GraphModule gm = GraphModule.create(cg, device)) {
      gm.setInput("x", x);
      gm.run();
      try (NDArray out = gm.getOutput(0)) {
        return out.toFloatArray();
      }
    }
  }

  static void assertClose(float[] actual, float[] desired, String what) {
    assertThat(actual).as(what).hasSize(desired.length);
    for (int i = 0; i < actual.length; i++) {
      assertThat((double) Math.abs(actual[i] - desired[i])).as("%s[%d]: %f vs %f", what, i, actual[i], desired[i])
          .isLessThanOrEqualTo(ATOL + RTOL * Math.abs(desired[i]));
    }
  }

  static Stream<Arguments> models() {
    return Stream.of(Arguments.of("convNet", CnnModels.convNet()), Arguments.of("residualBlock", CnnModels.residualBlock()),
        Arguments.of("concatBranches", CnnModels.concatBranches()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void everyOptLevelMatchesTheInterpreter(String name, CnnModels.Model m) {
    try (NDArray x = CnnModels.input(m.input(), 3)) {
      float[] reference = run(m, "interp", 0, new Device("interp", 0), x);
      double largest = 0;
      for (float v : reference) largest = Math.max(largest, Math.abs(v));
      assertThat(largest).as("largest reference value").isGreaterThan(1e-3);
      for (int opt = 0; opt <= 3; opt++) assertClose(run(m, "llvm", opt, Device.cpu(0), x), reference, name + " at opt " + opt);
    }
  }

  private static List<String> functions(CnnModels.Model m, int optLevel) {
    try (CompiledGraph cg = Compiler.build(m.graph(), "llvm", Map.of("x", m.input()), Map.of(), DType.F32, m.newParams(1),
        Compiler.buildConfig(optLevel, Set.of()))) {
      return cg.deployGraph().nodes().stream().filter(n -> !n.isVariable()).map(DeployGraph.DeployNode::funcName).toList();
    }
  }

  @Test
  void convBiasReluIsOneFusedFunction() {
    assertThat(functions(CnnModels.convBiasRelu(), 1)).containsExactly("fuse_conv2d_relu");
    assertThat(functions(CnnModels.convBiasRelu(), 0)).containsExactly("fuse_conv2d", "fuse_relu");
  }

  @Test
  void addPassRunsAPassBelowItsOptLevelAndDisabledPlanningStillBuilds() {
    CnnModels.Model m = CnnModels.convBiasRelu();
    try (CompiledGraph cg = Compiler.build(m.graph(), "llvm", Map.of("x", m.input()), Map.of(), DType.F32, m.newParams(1),
        Compiler.buildConfig(0, Set.of("graph.fuse-ops")))) {
      assertThat(cg.deployGraph().nodes().stream().filter(n -> !n.isVariable()).map(DeployGraph.DeployNode::funcName))
          .containsExactly("fuse_conv2d_relu");
    }
    PassContext noPlan = Compiler.buildConfig(2, Set.of()).toBuilder().disable("graph.plan-memory").build();
    try (CompiledGraph cg = Compiler.build(CnnModels.convNet().graph(), "llvm", Map.of("x", CnnModels.convNet().input()), Map.of(),
        DType.F32, CnnModels.convNet().newParams(1), noPlan)) {
      DeployGraph dg = cg.deployGraph();
      assertThat(dg.storageIds()).doesNotHaveDuplicates();
    }
  }

  @Test
  void optLevelsChangeTheDeployGraphOfTheConvNet() {
    assertThat(functions(CnnModels.convNet(), 0)).containsExactly("fuse_conv2d", "fuse___add_scalar__", "fuse_sqrt", "fuse_elemwise_div",
        "fuse_expand_dims", "fuse_broadcast_mul", "fuse_elemwise_mul", "fuse_negative", "fuse_elemwise_add", "fuse_expand_dims",
        "fuse_broadcast_add", "fuse_relu", "fuse_max_pool2d", "fuse_flatten", "fuse_dense", "fuse_softmax");
    assertThat(functions(CnnModels.convNet(), 2)).containsExactly("fuse_conv2d_broadcast_mul_broadcast_add_relu", "fuse_max_pool2d",
        "fuse_flatten", "fuse_dense", "fuse_softmax");
    // opt 3: AlterOpLayout makes the conv NCHWc (weights prepacked at build time), the pool runs blocked, and the layout
    // transforms sit at the boundaries: the input, and flatten (fused with the transform back to NCHW)
    assertThat(functions(CnnModels.convNet(), 3)).containsExactly("fuse_layout_transform", "fuse_conv2d_NCHWc_broadcast_add_relu",
        "fuse_max_pool2d", "fuse_layout_transform_flatten", "fuse_dense", "fuse_softmax");
  }

  @Test
  void optLevelThreeKeepsConvsBlockedWithLayoutTransformsOnlyAtTheBoundaries() {
    CnnModels.Model m = CnnModels.residualBlock();
    try (CompiledGraph cg = Compiler.build(m.graph(), "llvm", Map.of("x", m.input()), Map.of(), DType.F32, m.newParams(1),
        Compiler.buildConfig(3, Set.of()))) {
      // x is blocked once (for the first conv and the residual add); each conv is one fused node with its epilogue
      List<DeployGraph.DeployNode> ops = cg.deployGraph().nodes().stream().filter(n -> !n.isVariable()).toList();
      assertThat(ops).extracting(DeployGraph.DeployNode::funcName).containsExactly("fuse_layout_transform",
          "fuse_conv2d_NCHWc_broadcast_add_relu", "fuse_conv2d_NCHWc_broadcast_add_elemwise_add_relu", "fuse_avg_pool2d",
          "fuse_layout_transform_1");
      assertThat(ops.get(0).name()).isEqualTo("x_NCHW4c");
      assertThat(ops.get(4).name()).endsWith("_NCHW");
      // the weights arrive packed (computed once at build time) and the batch-norm shifts blocked like the data
      assertThat(cg.params()).hasSize(6);
      assertThat(cg.params().entrySet()).filteredOn(e -> e.getKey().endsWith("_weight_OIHW4i4o_output0")).hasSize(2)
          .allSatisfy(e -> assertThat(e.getValue().shape()).isEqualTo(Shape.of(1, 1, 3, 3, 4, 4)));
      assertThat(cg.params().entrySet()).filteredOn(e -> e.getKey().endsWith("_shift_expand_CHW4c_output0")).hasSize(2)
          .allSatisfy(e -> assertThat(e.getValue().shape()).isEqualTo(Shape.of(1, 1, 1, 4)));
    }
    // two branches of 2 and 3 channels: blocked by 2 and 3, back to NCHW for the concatenation
    assertThat(functions(CnnModels.concatBranches(), 3)).containsExactly("fuse_layout_transform", "fuse_conv2d_NCHWc",
        "fuse_conv2d_NCHWc_relu", "fuse_layout_transform_1", "fuse_layout_transform_concatenate_leaky_relu", "fuse_global_avg_pool2d",
        "fuse_flatten");
  }

  @Test
  void groupsOfEqualStructureShareOneFunction() {
    List<String> calls = functions(CnnModels.residualBlock(), 1);
    assertThat(calls).filteredOn(f -> f.startsWith("fuse_conv2d")).hasSize(2).doesNotHaveDuplicates();
    List<String> unfused = functions(CnnModels.residualBlock(), 0);
    assertThat(unfused).filteredOn(f -> f.equals("fuse_conv2d")).hasSize(2);
    assertThat(unfused).noneMatch(f -> f.startsWith("fuse_conv2d_"));
  }

  @Test
  void precomputedParamsReplaceTheBatchNormParams() {
    CnnModels.Model m = CnnModels.convNet();
    try (CompiledGraph cg = Compiler.build(m.graph(), "llvm", Map.of("x", m.input()), Map.of(), DType.F32, m.newParams(1),
        Compiler.buildConfig(2, Set.of()))) {
      String bn = m.graph().nodes().stream().filter(n -> !n.isVariable() && n.op().name().equals("batch_norm")).findFirst().orElseThrow()
          .name();
      assertThat(cg.params().keySet()).containsExactlyInAnyOrder("conv1_w", "conv1_b", bn + "_scale_expand_output0",
          bn + "_shift_expand_output0", "fc_w", "fc_b");
      assertThat(cg.params().get(bn + "_scale_expand_output0").shape()).isEqualTo(Shape.of(8, 1, 1));
    }
  }

  @Test
  void aGraphThatOptimizesToNothingCopiesItsInput() {
    org.nnvm4j.graph.Graph g = org.nnvm4j.graph.Graph.create(Symbol.dropout(Symbol.variable("x"), 0.2));
    try (CompiledGraph cg = Compiler.build(g, "llvm", Map.of("x", Shape.of(4)), DType.F32);
         GraphModule m = GraphModule.create(cg, Device.cpu(0))) {
      assertThat(cg.deployGraph().nodes()).extracting(DeployGraph.DeployNode::funcName).containsExactly(null, "fuse_copy");
      m.setInput("x", new float[] {1, -2, 3, -4}).run();
      try (NDArray out = m.getOutput(0)) {
        assertThat(out.toFloatArray()).containsExactly(1, -2, 3, -4);
      }
    }
  }

  @Test
  void aGraphOfParamsOnlyIsPrecomputedAndCopiedOut() {
    org.nnvm4j.graph.Graph g = org.nnvm4j.graph.Graph.create(Symbol.create("negative", "neg", Map.of(), Symbol.variable("p")));
    try (CompiledGraph cg = Compiler.build(g, "llvm", Map.of(), Map.of(), DType.F32, Map.of("p", NDArray.of(1f, -2f)),
        Compiler.buildConfig(2, Set.of()));
         GraphModule m = GraphModule.create(cg, Device.cpu(0))) {
      assertThat(cg.params().keySet()).containsExactly("neg_output0");
      assertThat(cg.deployGraph().nodes()).extracting(DeployGraph.DeployNode::funcName).containsExactly(null, "fuse_copy");
      m.run();
      try (NDArray out = m.getOutput(0)) {
        assertThat(out.toFloatArray()).containsExactly(-1f, 2f);
      }
    }
  }

  @Test
  void shapeMismatchNamesNodeOpAndBothShapes() {
    Symbol x = Symbol.variable("x");
    Symbol y = Symbol.variable("y");
    Symbol s = Symbol.create("elemwise_add", "sum0", Map.of(), Symbol.relu(x), y);
    assertThatThrownBy(() -> Compiler.build(org.nnvm4j.graph.Graph.create(s), "llvm", Map.of("x", Shape.of(2, 3), "y", Shape.of(3, 2)),
        DType.F32)).isInstanceOf(CompileException.class)
        .hasMessage("shape inference failed: input 0 has shape [2, 3] but input 1 has shape [3, 2] (node 'sum0', op 'elemwise_add')");
  }
}
