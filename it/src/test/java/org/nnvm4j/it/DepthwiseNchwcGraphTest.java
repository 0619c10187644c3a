package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.backend.Device;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.deploy.DeployGraph;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * A small MobileNet (conv stem, depthwise-separable blocks with batch norm and relu, one depthwise conv of
 * stride 2 and one with a channel multiplier of 2, global average pool, dense) compiled for {@code llvm}: at
 * opt level 3 the depthwise convs become depthwise_conv2d_NCHWc in the blocks of the convs around them, so
 * that layout transforms sit only at the boundary; every opt level matches the TIR interpreter (tolerance of
 * {@link SmallCnnTest}).
 */
class DepthwiseNchwcGraphTest {
  private static Symbol v(String name) { return Symbol.variable(name); }

  private static Symbol bnRelu(Symbol x, String name, int c, Map<String, Shape> p) {
    for (String s : new String[] {"_gamma", "_beta", "_mean", "_var"}) p.put(name + s, Shape.of(c));
    return Symbol.relu(Symbol.batchNorm(x, v(name + "_gamma"), v(name + "_beta"), v(name + "_mean"), v(name + "_var"), 1e-5));
  }

  private static Symbol conv(Symbol x, String name, int in, int out, int kernel, int stride, int groups, Map<String, Shape> p) {
    p.put(name + "_w", Shape.of(out, in / groups, kernel, kernel));
    Map<String, String> extra = groups == 1 ? Map.of() : Map.of("groups", Integer.toString(groups));
    return Symbol.conv2d(x, v(name + "_w"), null, out, kernel, stride, kernel / 2, extra);
  }

  /** x [1, 3, 18, 18]: stem 3x3/2 to 16, dw 3x3 16 + pw 1x1 24, dw 3x3/2 24 + pw 1x1 32, dw 3x3 32 x2 (64), gap, dense 10. */
  static CnnModels.Model mobileNet() {
    Map<String, Shape> p = new LinkedHashMap<>();
    Symbol x = bnRelu(conv(v("x"), "stem", 3, 16, 3, 2, 1, p), "bn0", 16, p);
    x = bnRelu(conv(x, "dw1", 16, 16, 3, 1, 16, p), "bn1", 16, p);
    x = bnRelu(conv(x, "pw1", 16, 24, 1, 1, 1, p), "bn2", 24, p);
    x = bnRelu(conv(x, "dw2", 24, 24, 3, 2, 24, p), "bn3", 24, p);
    x = bnRelu(conv(x, "pw2", 24, 32, 1, 1, 1, p), "bn4", 32, p);
    x = bnRelu(conv(x, "dw3", 32, 64, 3, 1, 32, p), "bn5", 64, p);
    x = Symbol.flatten(Symbol.globalAvgPool2d(x));
    p.put("fc_w", Shape.of(10, 64));
    p.put("fc_b", Shape.of(10));
    return new CnnModels.Model(Graph.create(Symbol.dense(x, v("fc_w"), v("fc_b"), 10)), Shape.of(1, 3, 18, 18), p);
  }

  @Test
  void optLevelThreeKeepsDepthwiseConvsBlockedBetweenTheConvs() {
    CnnModels.Model m = mobileNet();
    try (CompiledGraph cg = Compiler.build(m.graph(), "llvm", Map.of("x", m.input()), Map.of(), DType.F32, m.newParams(1),
        Compiler.buildConfig(3, Set.of()))) {
      List<String> functions = cg.deployGraph().nodes().stream().filter(n -> !n.isVariable()).map(DeployGraph.DeployNode::funcName).toList();
      assertThat(functions).containsExactly("fuse_layout_transform", "fuse_conv2d_NCHWc_broadcast_add_relu",
          "fuse_depthwise_conv2d_NCHWc_broadcast_add_relu", "fuse_conv2d_NCHWc_broadcast_add_relu_1",
          "fuse_depthwise_conv2d_NCHWc_broadcast_add_relu_1", "fuse_conv2d_NCHWc_broadcast_add_relu_2",
          "fuse_depthwise_conv2d_NCHWc_broadcast_add_relu_2", "fuse_global_avg_pool2d", "fuse_layout_transform_flatten", "fuse_dense");
      // the depthwise weights arrive packed at build time: 16 channels in one block of 16, 24 in three of 8, 64 (multiplier 2) in 16s
      assertThat(cg.params().values()).extracting(NDArray::shape).contains(Shape.of(1, 1, 3, 3, 1, 16), Shape.of(3, 1, 3, 3, 1, 8),
          Shape.of(4, 1, 3, 3, 1, 16));
    }
  }

  @Test
  void everyOptLevelMatchesTheInterpreter() {
    CnnModels.Model m = mobileNet();
    try (NDArray x = CnnModels.input(m.input(), 3)) {
      float[] reference = SmallCnnTest.run(m, "interp", 0, new Device("interp", 0), x);
      for (int opt = 0; opt <= 3; opt++) SmallCnnTest.assertClose(SmallCnnTest.run(m, "llvm", opt, Device.cpu(0), x), reference, "opt " + opt);
    }
  }
}
