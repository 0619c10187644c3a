package org.nnvm4j.frontend.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** What the indexing/selection converters and MatMul make of small ONNX graphs, and what they refuse. */
class IndexConvertersTest {
  @TempDir Path dir;

  private ImportedModel load(GraphProto g, long opset, Map<String, NDArray> bind) throws Exception {
    return OnnxImporter.importModel(TestModels.write(dir, "m.onnx", TestModels.model(8, opset, g).toByteArray()), Map.of(), bind);
  }

  private static GraphProto matmul(long[] a, long[] b, long[] y) {
    return GraphProto.newBuilder().addInput(TestModels.f32("a", a)).addInput(TestModels.f32("b", b)).addOutput(TestModels.f32("y", y))
        .addNode(TestModels.node("MatMul", "mm", new String[] {"a", "b"}, new String[] {"y"})).build();
  }

  @Test
  void matmulPicksDenseOrBatchMatmulAndDropsThePromotedDimensions() throws Exception {
    try (ImportedModel m = load(matmul(new long[] {2, 3, 4}, new long[] {4, 5}, new long[] {2, 3, 5}), 13, Map.of())) {
      assertThat(m.graph().ir()).isEqualTo("Graph(%a, %b) {\n  %1 = reshape(%a, shape='(-1, 4)')\n  %3 = transpose(%b, axes='(1, 0)')\n"
          + "  %4 = dense(%1, %3, units='5', use_bias='False')\n  %5 = reshape(%4, shape='(2, 3, 5)')\n  ret %5\n}");
    }
    try (ImportedModel m = load(matmul(new long[] {4}, new long[] {2, 4, 5}, new long[] {2, 5}), 13, Map.of())) {
      assertThat(m.graph().ir()).contains("reshape(%a, shape='(1, 4)')").contains("batch_matmul(").contains("shape='(2, 5)')");
    }
    try (ImportedModel m = load(matmul(new long[] {3, 4}, new long[] {4}, new long[] {3}), 13, Map.of())) {
      assertThat(m.graph().ir()).contains("reshape(%b, shape='(1, 4)')").contains("units='1', use_bias='False')")
          .contains("shape='(3,)')");
    }
    assertThatThrownBy(() -> load(matmul(new long[] {2, 3}, new long[] {4, 5}, new long[] {2, 5}), 13, Map.of()))
        .hasMessageContaining("node 'mm': ONNX MatMul (opset 13): inner dimensions differ: [2, 3] x [4, 5]");
  }

  @Test
  void topkMakesOneNodePerOutputAndNeedsAConstantK() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 3, 4))
        .addInput(TestModels.value("k", TensorProto.DataType.INT64_VALUE, 1))
        .addOutput(TestModels.f32("v", 3, 2)).addOutput(TestModels.value("i", TensorProto.DataType.INT64_VALUE, 3, 2))
        .addNode(TestModels.node("TopK", "t", new String[] {"x", "k"}, new String[] {"v", "i"},
            AttributeProto.newBuilder().setName("largest").setType(AttributeProto.AttributeType.INT).setI(0).build())).build();
    assertThatThrownBy(() -> load(g, 11, Map.of())).hasMessageContaining("node 't': ONNX TopK (opset 11): input 'K' must be a one-element constant");
    NDArray k = NDArray.allocate(DType.I64, Shape.of(1));
    k.setDouble(0, 2);
    try (ImportedModel m = load(g, 11, Map.of("k", k))) {
      assertThat(m.graph().ir()).contains("topk(%x, k='2', axis='-1', is_ascend='True', ret_type='values')")
          .contains("topk(%x, k='2', axis='-1', is_ascend='True', ret_type='indices')");
    }
  }

  @Test
  void dropoutGivesAnAllTrueMaskAndRefusesRandomTraining() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2, 3))
        .addInput(TestModels.f32("ratio")).addInput(TestModels.value("training_mode", TensorProto.DataType.BOOL_VALUE))
        .addOutput(TestModels.f32("y", 2, 3)).addOutput(TestModels.value("z", TensorProto.DataType.BOOL_VALUE, 2, 3))
        .addNode(TestModels.node("Dropout", "d", new String[] {"x", "ratio", "training_mode"}, new String[] {"y", "z"})).build();
    NDArray on = NDArray.allocate(DType.BOOL, Shape.scalar());
    on.setDouble(0, 1);
    NDArray half = NDArray.of(new float[] {0.5f}, Shape.scalar());
    assertThatThrownBy(() -> load(g, 13, Map.of("training_mode", on, "ratio", half)))
        .hasMessageContaining("training_mode=true with ratio 0.5 draws a random mask, which is not reproducible");
    NDArray zero = NDArray.of(new float[] {0f}, Shape.scalar());
    try (ImportedModel m = load(g, 13, Map.of("training_mode", on, "ratio", zero))) {
      NDArray mask = m.params().get("d_mask");
      assertThat(mask.dtype()).isEqualTo(DType.BOOL);
      assertThat(mask.shape()).isEqualTo(Shape.of(2, 3));
      for (int i = 0; i < 6; i++) assertThat(mask.getDouble(i)).isEqualTo(1.0);
    }
  }

  @Test
  void windowsFoldToParameters() throws Exception {
    for (int periodic : new int[] {0, 1}) {
      GraphProto g = GraphProto.newBuilder().addInput(TestModels.value("n", TensorProto.DataType.INT64_VALUE))
          .addOutput(TestModels.f32("w", 5))
          .addNode(TestModels.node("HannWindow", "h", new String[] {"n"}, new String[] {"w"},
              AttributeProto.newBuilder().setName("periodic").setType(AttributeProto.AttributeType.INT).setI(periodic).build())).build();
      NDArray n = NDArray.allocate(DType.I64, Shape.scalar());
      n.setDouble(0, 5);
      try (ImportedModel m = load(g, 17, Map.of("n", n))) {
        NDArray w = m.params().get("h_window");
        for (int k = 0; k < 5; k++) {
          double want = 0.5 - 0.5 * Math.cos(2 * Math.PI * k / (periodic == 1 ? 5 : 4));
          assertThat(w.getDouble(k)).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-7));
        }
      }
    }
  }

  @Test
  void oneHotNeedsAConstantDepth() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.value("i", TensorProto.DataType.INT64_VALUE, 3))
        .addInput(TestModels.f32("depth")).addInput(TestModels.f32("values", 2)).addOutput(TestModels.f32("y", 3, 4))
        .addNode(TestModels.node("OneHot", "o", new String[] {"i", "depth", "values"}, new String[] {"y"})).build();
    assertThatThrownBy(() -> load(g, 11, Map.of())).hasMessageContaining("node 'o': ONNX OneHot (opset 11): input 'depth' must be a one-element constant");
    try (ImportedModel m = load(g, 11, Map.of("depth", NDArray.of(new float[] {4f}, Shape.scalar())))) {
      assertThat(m.graph().ir()).contains("one_hot(%i, %values, depth='4', axis='-1')");
      assertThat(m.dataInputs()).containsExactly("i", "values");
    }
  }

  private static AttributeProto branch(String attr, String node, float value) {
    GraphProto g = GraphProto.newBuilder().addOutput(TestModels.f32(attr + "_out", 2))
        .addNode(TestModels.node("Constant", node, new String[] {}, new String[] {attr + "_c"}, AttributeProto.newBuilder().setName("value")
            .setType(AttributeProto.AttributeType.TENSOR).setT(TestModels.rawF32("", new float[] {value, value}, 2)).build()))
        .addNode(TestModels.node("Add", node + "_add", new String[] {"x", attr + "_c"}, new String[] {attr + "_out"})).build();
    return AttributeProto.newBuilder().setName(attr).setType(AttributeProto.AttributeType.GRAPH).setG(g).build();
  }

  @Test
  void ifWithAConstantConditionBecomesItsBranch() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2))
        .addInput(TestModels.value("cond", TensorProto.DataType.BOOL_VALUE)).addOutput(TestModels.f32("y", 2))
        .addNode(TestModels.node("If", "if", new String[] {"cond"}, new String[] {"y"}, branch("then_branch", "t", 1f),
            branch("else_branch", "e", -1f))).build();
    assertThatThrownBy(() -> load(g, 11, Map.of()))
        .hasMessageContaining("node 'if': ONNX If (opset 11): the condition must be a one-element constant");
    for (boolean c : new boolean[] {true, false}) {
      NDArray cond = NDArray.allocate(DType.BOOL, Shape.scalar());
      cond.setDouble(0, c ? 1 : 0);
      try (ImportedModel m = load(g, 11, Map.of("cond", cond))) {
        String branch = c ? "if/t" : "if/e";
        assertThat(m.graph().ir()).contains("elemwise_add(%x, %" + branch + "_value)");
        assertThat(m.params().get(branch + "_value").toFloatArray()).containsExactly(c ? 1f : -1f, c ? 1f : -1f);
        assertThat(m.dataInputs()).containsExactly("x");
      }
    }
  }

  @Test
  void hardmaxBeforeOpset13CoercesTo2d() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2, 3, 4)).addOutput(TestModels.f32("y", 2, 3, 4))
        .addNode(TestModels.node("Hardmax", "h", new String[] {"x"}, new String[] {"y"})).build();
    try (ImportedModel m = load(g, 11, Map.of())) {
      assertThat(m.graph().ir()).contains("reshape(%x, shape='(2, 12)')").contains("argmax(%1, axis='1', keepdims='False'")
          .contains("depth='12', axis='1'").contains("shape='(2, 3, 4)'");
      assertThat(m.params().get("h_values").toFloatArray()).containsExactly(0f, 1f);
    }
    try (ImportedModel m = load(g, 13, Map.of())) {
      assertThat(m.graph().ir()).doesNotContain("reshape").contains("argmax(%x, axis='2', keepdims='False'").contains("depth='4', axis='2'");
    }
  }
}
