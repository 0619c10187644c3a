package org.nnvm4j.frontend.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;

/** Sequence ops are resolved while importing: the graph that comes out holds tensors only. */
class SequenceConvertersTest {
  @TempDir Path dir;

  private Path write(GraphProto g) throws Exception { return TestModels.write(dir, "seq.onnx", TestModels.model(8, 12, g).toByteArray()); }

  private static GraphProto.Builder xyz() {
    return GraphProto.newBuilder().addInput(TestModels.f32("x", 2, 3)).addInput(TestModels.f32("y", 1, 3))
        .addInput(TestModels.f32("z", 4, 3))
        .addNode(TestModels.node("SequenceConstruct", "make", new String[] {"x", "y", "z"}, new String[] {"s"}));
  }

  @Test
  void insertEraseAndAtPickTheElementStatically() throws Exception {
    // [x, y, z] -erase(-3)-> [y, z] -insert(z, 0)-> [z, y, z] -at(1)-> y, then Relu so the output is computed.
    GraphProto g = xyz().addInitializer(TestModels.i64("minus3", new long[] {-3})).addInitializer(TestModels.i64("zero", new long[] {0}))
        .addInitializer(TestModels.i64("one", new long[] {1}))
        .addNode(TestModels.node("SequenceErase", "erase", new String[] {"s", "minus3"}, new String[] {"s2"}))
        .addNode(TestModels.node("SequenceInsert", "insert", new String[] {"s2", "z", "zero"}, new String[] {"s3"}))
        .addNode(TestModels.node("SequenceAt", "at", new String[] {"s3", "one"}, new String[] {"e"}))
        .addNode(TestModels.node("Relu", "r", new String[] {"e"}, new String[] {"out"})).addOutput(TestModels.f32("out", 1, 3)).build();
    try (ImportedModel m = OnnxImporter.importModel(write(g), Map.of())) {
      assertThat(m.graph().ir()).isEqualTo("Graph(%y) {\n  %1 = relu(%y)\n  ret %1\n}");
    }
  }

  @Test
  void concatFromSequenceStacksOnANewAxisAndSequenceLengthIsAConstant() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 2, 3))
        .addNode(TestModels.node("SplitToSequence", "split", new String[] {"x"}, new String[] {"s"}, TestModels.intAttr("axis", 1),
            TestModels.intAttr("keepdims", 0)))
        .addNode(TestModels.node("ConcatFromSequence", "stack", new String[] {"s"}, new String[] {"out"}, TestModels.intAttr("axis", -1),
            TestModels.intAttr("new_axis", 1)))
        .addNode(TestModels.node("SequenceLength", "len", new String[] {"s"}, new String[] {"n"}))
        .addOutput(TestModels.f32("out", 2, 3)).addOutput(TestModels.value("n", 7)).build();
    try (ImportedModel m = OnnxImporter.importModel(write(g), Map.of())) {
      String ir = m.graph().ir();
      assertThat(ir).contains("strided_slice(%x", "squeeze(", "expand_dims(", "concatenate(");
      assertThat(m.params()).containsOnlyKeys("len_length");
      assertThat(m.params().get("len_length").getLong(0)).isEqualTo(3);
      assertThat(m.params().get("len_length").shape()).isEqualTo(Shape.of());
    }
  }

  @Test
  void positionsOutOfRangeAndSequenceOutputsAreNamed() throws Exception {
    GraphProto far = xyz().addInitializer(TestModels.i64("three", new long[] {3}))
        .addNode(TestModels.node("SequenceAt", "at", new String[] {"s", "three"}, new String[] {"out"})).addOutput(TestModels.f32("out", 2, 3))
        .build();
    Path f = write(far);
    assertThatThrownBy(() -> OnnxImporter.importModel(f, Map.of())).isInstanceOf(CompileException.class)
        .hasMessageContaining("node 'at'").hasMessageContaining("SequenceAt").hasMessageContaining("position 3 is out of range for a sequence of length 3");

    GraphProto seqOut = xyz().addOutput(TestModels.f32("s")).build();
    Path g = write(seqOut);
    assertThatThrownBy(() -> OnnxImporter.importModel(g, Map.of())).isInstanceOf(CompileException.class)
        .hasMessageContaining("graph output 's' is a sequence");
  }
}
