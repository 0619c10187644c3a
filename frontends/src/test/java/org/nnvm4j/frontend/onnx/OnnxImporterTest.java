package org.nnvm4j.frontend.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.graph.frontend.Frontends;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;

class OnnxImporterTest {
  @TempDir Path dir;

  private Path write(String name, GraphProto g, long opset) throws Exception {
    return TestModels.write(dir, name, TestModels.model(8, opset, g).toByteArray());
  }

  @Test
  void frontendIsDiscoveredAndImportsRelu() throws Exception {
    Path f = TestModels.write(dir, "relu.onnx", TestModels.reluModel().toByteArray());
    Frontends all = Frontends.discover();
    assertThat(all.formats()).contains("onnx");
    try (ImportedModel m = all.load(f)) {
      assertThat(m.graph().ir()).isEqualTo("Graph(%x) {\n  %1 = relu(%x)\n  ret %1\n}");
      assertThat(m.inputShapes()).containsEntry("x", Shape.of(2, 3));
      assertThat(m.inputTypes()).containsEntry("x", DType.F32);
      assertThat(m.dataInputs()).containsExactly("x");
      assertThat(m.outputNames()).containsExactly("y");
    }
  }

  @Test
  void initializersBecomeParamsAndEqualShapesUseElemwiseOps() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2)).addOutput(TestModels.f32("y", 2))
        .addInitializer(TestModels.rawF32("b", new float[] {1, 2}, 2))
        .addNode(TestModels.node("Add", "add", new String[] {"x", "b"}, new String[] {"s"}))
        .addNode(TestModels.node("Exp", "", new String[] {"s"}, new String[] {"y"})).build();
    try (ImportedModel m = OnnxImporter.importModel(write("add.onnx", g, 13), Map.of())) {
      assertThat(m.graph().ir()).isEqualTo("Graph(%x, %b) {\n  %2 = elemwise_add(%x, %b)\n  %3 = exp(%2)\n  ret %3\n}");
      assertThat(m.params()).containsOnlyKeys("b");
      assertThat(m.params().get("b").toFloatArray()).containsExactly(1, 2);
      assertThat(m.dataInputs()).containsExactly("x");
    }
  }

  @Test
  void constantNodesBecomeParams() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2)).addOutput(TestModels.f32("y", 2))
        .addNode(TestModels.node("Constant", "c", new String[] {}, new String[] {"k"}, AttributeProto.newBuilder().setName("value")
            .setType(AttributeProto.AttributeType.TENSOR).setT(TestModels.rawF32("", new float[] {3, 4}, 2)).build()))
        .addNode(TestModels.node("Mul", "m", new String[] {"x", "k"}, new String[] {"y"})).build();
    try (ImportedModel m = OnnxImporter.importModel(write("const.onnx", g, 13), Map.of())) {
      assertThat(m.params()).containsOnlyKeys("c_value");
      assertThat(m.params().get("c_value").toFloatArray()).containsExactly(3, 4);
      assertThat(m.graph().ir()).contains("elemwise_mul(%x, %c_value)");
    }
  }

  @Test
  void everyUnsupportedNodeIsReportedAtOnce() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2)).addOutput(TestModels.f32("y", 2))
        .addNode(TestModels.node("Frobnicate", "first", new String[] {"x"}, new String[] {"a"}))
        .addNode(TestModels.node("Relu", "ok", new String[] {"a"}, new String[] {"b"}))
        .addNode(TestModels.node("NonZero", "second", new String[] {"x"}, new String[] {"c"}))
        .addNode(TestModels.node("Add", "join", new String[] {"b", "c"}, new String[] {"y"})).build();
    Path f = write("two.onnx", g, 11);
    assertThatThrownBy(() -> OnnxImporter.importModel(f, Map.of())).isInstanceOf(CompileException.class)
        .satisfies(e -> {
          CompileException c = (CompileException) e;
          assertThat(c.code()).isEqualTo(ErrorCode.UNSUPPORTED);
          assertThat(c.span().file()).endsWith("two.onnx");
          assertThat(c.problems()).containsExactly("node 'first': ONNX Frobnicate (opset 11) is not supported",
              "node 'second': ONNX NonZero (opset 11) is not supported");
        }).hasMessageContaining("2 of 4 nodes");
  }

  @Test
  void nodesOfOtherDomainsAreUnsupported() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2)).addOutput(TestModels.f32("y", 2))
        .addNode(TestModels.node("Relu", "r", new String[] {"x"}, new String[] {"y"}).toBuilder().setDomain("com.example").build())
        .build();
    assertThatThrownBy(() -> OnnxImporter.importModel(write("dom.onnx", g, 13), Map.of()))
        .hasMessageContaining("node 'r': ONNX Relu of domain 'com.example' (opset 0) is not supported");
  }

  @Test
  void softmaxFollowsItsOpsetSemantics() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2, 3, 4)).addOutput(TestModels.f32("y", 2, 3, 4))
        .addNode(TestModels.node("Softmax", "sm", new String[] {"x"}, new String[] {"y"})).build();
    // Opset 11: the default axis 1 coerces [2, 3, 4] to [2, 12]; a one-axis softmax cannot express that.
    assertThatThrownBy(() -> OnnxImporter.importModel(write("sm11.onnx", g, 11), Map.of()))
        .hasMessageContaining("node 'sm': ONNX Softmax (opset 11): softmax over the flattened axes 1..2 of [2, 3, 4]");
  }

  @Test
  void binaryOpsBeforeOpset7RequireTheBroadcastFlag() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2, 3)).addInput(TestModels.f32("z", 3))
        .addOutput(TestModels.f32("y", 2, 3)).addNode(TestModels.node("Add", "a", new String[] {"x", "z"}, new String[] {"y"}))
        .build();
    assertThatThrownBy(() -> OnnxImporter.importModel(write("add6.onnx", g, 6), Map.of()))
        .hasMessageContaining("node 'a': ONNX Add (opset 6): shapes [2, 3] and [3] differ and broadcast=0");
  }

  @Test
  void inputShapesCanBeOverridden() throws Exception {
    Path f = TestModels.write(dir, "relu.onnx", TestModels.reluModel().toByteArray());
    try (ImportedModel m = new OnnxFrontend().load(f, Map.of("x", Shape.of(5, 3)))) {
      assertThat(m.inputShapes()).containsEntry("x", Shape.of(5, 3));
    }
  }

  @Test
  void undefinedInputsAndMissingOutputsAreMalformed() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2)).addOutput(TestModels.f32("y", 2))
        .addNode(TestModels.node("Relu", "r", new String[] {"nowhere"}, new String[] {"y"})).build();
    assertThatThrownBy(() -> OnnxImporter.importModel(write("undef.onnx", g, 13), Map.of()))
        .hasMessageContaining("node 'r': input 'nowhere' is used before it is defined");
    GraphProto g2 = GraphProto.newBuilder().addInput(TestModels.f32("x", 2)).addOutput(TestModels.f32("q", 2))
        .addNode(TestModels.node("Relu", "r", new String[] {"x"}, new String[] {"y"})).build();
    assertThatThrownBy(() -> OnnxImporter.importModel(write("noout.onnx", g2, 13), Map.of()))
        .hasMessageContaining("graph output 'q' is never computed");
  }

  @Test
  void shapeAndSizeFoldToConstantsFromStaticShapes() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2, 3, 4))
        .addOutput(TestModels.value("s", 7, 2)).addOutput(TestModels.value("n", 7))
        .addNode(TestModels.node("Shape", "shape", new String[] {"x"}, new String[] {"s"},
            org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto.newBuilder().setName("start").setI(-2).build()))
        .addNode(TestModels.node("Size", "size", new String[] {"x"}, new String[] {"n"})).build();
    try (ImportedModel m = OnnxImporter.importModel(write("shape.onnx", g, 15), Map.of())) {
      assertThat(m.params()).containsOnlyKeys("shape_shape", "size_size");
      assertThat(m.params().get("shape_shape").getLong(0)).isEqualTo(3);
      assertThat(m.params().get("shape_shape").getLong(1)).isEqualTo(4);
      assertThat(m.params().get("size_size").getLong(0)).isEqualTo(24);
      assertThat(m.graph().ir()).contains("copy(%shape_shape)").contains("copy(%size_size)");
    }
  }

  @Test
  void inputsThatMustBeConstantAreBoundToGivenValues() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2))
        .addInput(TestModels.value("training_mode", org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto.DataType.BOOL_VALUE))
        .addOutput(TestModels.f32("y", 2))
        .addNode(TestModels.node("Dropout", "d", new String[] {"x", "", "training_mode"}, new String[] {"y"})).build();
    Path f = write("dropout.onnx", g, 13);
    assertThatThrownBy(() -> OnnxImporter.importModel(f, Map.of()))
        .hasMessageContaining("node 'd': ONNX Dropout (opset 13): input 'training_mode' must be a constant");
    try (org.nnvm4j.tensor.NDArray off = org.nnvm4j.tensor.NDArray.allocate(DType.BOOL, Shape.scalar());
         org.nnvm4j.tensor.NDArray x = org.nnvm4j.tensor.NDArray.of(1, 2);
         ImportedModel m = OnnxImporter.importModel(f, Map.of(), Map.of("training_mode", off, "x", x))) {
      assertThat(m.dataInputs()).containsExactly("x");
      assertThat(m.graph().ir()).isEqualTo("Graph(%x) {\n  %1 = copy(%x)\n  ret %1\n}");
    }
  }

  @Test
  void absIsComposedExactlyFromRelu() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 3)).addOutput(TestModels.f32("y", 3))
        .addNode(TestModels.node("Abs", "abs", new String[] {"x"}, new String[] {"y"})).build();
    try (ImportedModel m = OnnxImporter.importModel(write("abs.onnx", g, 13), Map.of())) {
      assertThat(m.graph().ir()).isEqualTo(
          "Graph(%x) {\n  %1 = relu(%x)\n  %2 = negative(%x)\n  %3 = relu(%2)\n  %4 = elemwise_add(%1, %3)\n  ret %4\n}");
    }
  }
}
