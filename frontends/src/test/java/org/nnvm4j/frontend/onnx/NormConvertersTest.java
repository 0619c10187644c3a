package org.nnvm4j.frontend.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.NodeProto;

/**
 * Which graph ops and attributes the normalization and Lp pooling converters produce per opset, and what
 * they refuse. The ops' numerics are tested in ir-graph (NormOpsTest) and on every backend in it/ (NormBackendsTest).
 */
class NormConvertersTest {
  @TempDir Path dir;

  private String ir(GraphProto g, long opset) throws Exception { return TestModels.importedIr(dir, g, opset); }

  private static AttributeProto ints(String name, long... v) {
    AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) b.addInts(x);
    return b.build();
  }

  /** One node {@code op} named n over graph inputs {@code in} (shapes {@code shapes}) with outputs {@code out} of shapes {@code outShapes}. */
  private static GraphProto graph(String op, String[] in, long[][] shapes, String[] out, long[][] outShapes, AttributeProto... attrs) {
    GraphProto.Builder g = GraphProto.newBuilder();
    for (int i = 0; i < in.length; i++) if (!in[i].isEmpty()) g.addInput(TestModels.f32(in[i], shapes[i]));
    for (int i = 0; i < out.length; i++) g.addOutput(TestModels.f32(out[i], outShapes[i]));
    NodeProto node = TestModels.node(op, "n", in, out, attrs);
    return g.addNode(node).build();
  }

  private static GraphProto unary(String op, long[] in, long[] out, AttributeProto... attrs) {
    return graph(op, new String[] {"x"}, new long[][] {in}, new String[] {"y"}, new long[][] {out}, attrs);
  }

  @Test
  void instanceAndLayerNormalizationBecomeTheirOps() throws Exception {
    GraphProto in = graph("InstanceNormalization", new String[] {"x", "s", "b"}, new long[][] {{2, 3, 4, 5}, {3}, {3}}, new String[] {"y"},
        new long[][] {{2, 3, 4, 5}}, TestModels.floatAttr("epsilon", 0.01f));
    assertThat(ir(in, 6)).contains("instance_norm(%x, %s, %b, axis='1', epsilon='0.01')");
    GraphProto ln = graph("LayerNormalization", new String[] {"x", "s", "b"}, new long[][] {{2, 3, 4}, {3, 4}, {3, 4}}, new String[] {"y"},
        new long[][] {{2, 3, 4}}, TestModels.intAttr("axis", -2));
    assertThat(ir(ln, 17)).contains("layer_norm(%x, %s, %b, axis='1', epsilon='1.0E-5', center='True')").doesNotContain("mean(");
    GraphProto noBias = graph("LayerNormalization", new String[] {"x", "s"}, new long[][] {{2, 3, 4}, {4}}, new String[] {"y"},
        new long[][] {{2, 3, 4}});
    assertThat(ir(noBias, 17)).contains("layer_norm(%x, %s, axis='2', epsilon='1.0E-5', center='False')");
  }

  @Test
  void layerNormalizationStatsAndBroadcastScalesUseTheComposition() throws Exception {
    GraphProto stats = graph("LayerNormalization", new String[] {"x", "s", "b"}, new long[][] {{2, 3, 4}, {4}, {4}},
        new String[] {"y", "mean", "inv"}, new long[][] {{2, 3, 4}, {2, 3, 1}, {2, 3, 1}});
    assertThat(ir(stats, 17)).contains("layer_norm(%x, %s, %b, axis='2'").contains("mean(%x, axis='(2,)', keepdims='True', exclude='False')")
        .contains("__rdiv_scalar__(");
    GraphProto broadcast = graph("LayerNormalization", new String[] {"x", "s"}, new long[][] {{2, 3, 4}, {1, 4}}, new String[] {"y"},
        new long[][] {{2, 3, 4}}, TestModels.intAttr("axis", 1));
    assertThat(ir(broadcast, 17)).doesNotContain("layer_norm(").contains("mean(%x, axis='(1, 2)', keepdims='True', exclude='False')").contains("broadcast_mul(");
  }

  @Test
  void lpNormalizationByP() throws Exception {
    assertThat(ir(unary("LpNormalization", new long[] {3, 5}, new long[] {3, 5}), 1)).contains("l2_normalize(%x, eps='0', axis='(-1,)')");
    assertThat(ir(unary("LpNormalization", new long[] {3, 5}, new long[] {3, 5}, TestModels.intAttr("p", 1), TestModels.intAttr("axis", 0)), 1))
        .contains("sum(").contains("axis='(0,)', keepdims='True'").contains("broadcast_div(%x, ");
    assertThatThrownBy(() -> ir(unary("LpNormalization", new long[] {3, 5}, new long[] {3, 5}, TestModels.intAttr("p", 3)), 1))
        .hasMessageContaining("node 'n': ONNX LpNormalization (opset 1): p=3 is not supported; ONNX allows 1 and 2");
  }

  @Test
  void lpPoolPerOpset() throws Exception {
    // opset 1: p is a float
    assertThat(ir(unary("LpPool", new long[] {1, 2, 6, 6}, new long[] {1, 2, 3, 3}, ints("kernel_shape", 2, 2), ints("strides", 2, 2),
        TestModels.floatAttr("p", 3f)), 1)).contains("lp_pool2d(%x, pool_size='(2, 2)', strides='(2, 2)', padding='(0, 0, 0, 0)',"
        + " layout='NCHW', dilation='(1, 1)', ceil_mode='False', p='3.0')");
    // opset 11: an int p, unequal pads
    assertThat(ir(unary("LpPool", new long[] {1, 2, 7}, new long[] {1, 2, 4}, ints("kernel_shape", 3), ints("strides", 2), ints("pads", 1, 0)),
        11)).contains("lp_pool1d(%x, pool_size='(3,)', strides='(2,)', padding='(1, 0)', layout='NCW', dilation='(1,)', ceil_mode='False', p='2')");
    // opset 18: dilations and ceil mode
    assertThat(ir(unary("LpPool", new long[] {1, 1, 5, 5, 5}, new long[] {1, 1, 2, 2, 2}, ints("kernel_shape", 2, 2, 2), ints("strides", 2, 2, 2),
        ints("dilations", 2, 1, 1), TestModels.intAttr("ceil_mode", 1), TestModels.intAttr("p", 1)), 18))
        .contains("lp_pool3d(%x, pool_size='(2, 2, 2)', strides='(2, 2, 2)', padding='(0, 0, 0, 0, 0, 0)', layout='NCDHW',"
            + " dilation='(2, 1, 1)', ceil_mode='True', p='1')");
    assertThat(ir(unary("GlobalLpPool", new long[] {2, 3, 4, 5}, new long[] {2, 3, 1, 1}, TestModels.intAttr("p", 3)), 2))
        .contains("global_lp_pool(%x, p='3')");
    assertThatThrownBy(() -> ir(unary("LpPool", new long[] {1, 2, 6, 6}, new long[] {1, 2, 3, 3}), 11))
        .hasMessageContaining("ONNX LpPool (opset 11): 'kernel_shape' is required");
  }
}
