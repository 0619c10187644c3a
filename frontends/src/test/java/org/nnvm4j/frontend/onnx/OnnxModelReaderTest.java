package org.nnvm4j.frontend.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.frontend.onnx.proto.Onnx.ModelProto;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;

class OnnxModelReaderTest {
  @TempDir Path dir;

  @Test
  void readsAWellFormedModelWithItsOpsets() throws Exception {
    Path f = TestModels.write(dir, "relu.onnx", TestModels.reluModel().toByteArray());
    OnnxModelReader.Read r = OnnxModelReader.read(f);
    assertThat(r.defaultOpset()).isEqualTo(13);
    assertThat(r.model().getGraph().getNode(0).getOpType()).isEqualTo("Relu");
  }

  @Test
  void truncatedFileNamesTheFile() throws Exception {
    byte[] full = TestModels.reluModel().toByteArray();
    Path f = TestModels.write(dir, "cut.onnx", Arrays.copyOf(full, full.length - 7));
    assertThatThrownBy(() -> OnnxModelReader.read(f)).isInstanceOf(CompileException.class)
        .hasMessageContaining("cut.onnx").hasMessageContaining("truncated")
        .satisfies(e -> assertThat(((CompileException) e).code()).isEqualTo(ErrorCode.MALFORMED_INPUT));
  }

  @Test
  void wrongWireTypeOfADeclaredFieldIsMalformed() throws Exception {
    // ir_version (field 1, an int64) written as a length-delimited string.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeString(1, "nine");
    out.flush();
    bytes.write(TestModels.reluModel().toBuilder().clearIrVersion().build().toByteArray());
    Path f = TestModels.write(dir, "wiretype.onnx", bytes.toByteArray());
    assertThatThrownBy(() -> OnnxModelReader.read(f)).isInstanceOf(CompileException.class)
        .hasMessageContaining("wiretype.onnx").hasMessageContaining("ModelProto.ir_version").hasMessageContaining("wrong wire type");
  }

  @Test
  void nestedWrongWireTypeNamesThePath() throws Exception {
    // GraphProto.node[0].op_type (field 4, a string) written as a varint inside the node.
    ModelProto m = TestModels.reluModel();
    ByteArrayOutputStream node = new ByteArrayOutputStream();
    CodedOutputStream no = CodedOutputStream.newInstance(node);
    no.writeString(1, "x");
    no.writeString(2, "y");
    no.writeInt64(4, 42);
    no.flush();
    ByteArrayOutputStream graph = new ByteArrayOutputStream();
    CodedOutputStream go = CodedOutputStream.newInstance(graph);
    go.writeByteArray(1, node.toByteArray());
    go.flush();
    graph.write(m.getGraph().toBuilder().clearNode().build().toByteArray());
    ByteArrayOutputStream model = new ByteArrayOutputStream();
    CodedOutputStream mo = CodedOutputStream.newInstance(model);
    mo.writeInt64(1, 8);
    mo.writeByteArray(7, graph.toByteArray());
    mo.writeByteArray(8, m.getOpsetImport(0).toByteArray());
    mo.flush();
    Path f = TestModels.write(dir, "nested.onnx", model.toByteArray());
    assertThatThrownBy(() -> OnnxModelReader.read(f)).isInstanceOf(CompileException.class)
        .hasMessageContaining("ModelProto.graph.node[0].op_type");
  }

  @Test
  void giantDeclaredLengthIsRejectedWithoutAllocating() throws Exception {
    // Field 7 (graph) claims 2^31-1 bytes in a 12-byte file.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeInt64(1, 8);
    out.writeTag(7, 2);
    out.writeUInt32NoTag(Integer.MAX_VALUE);
    out.flush();
    Path f = TestModels.write(dir, "giant.onnx", bytes.toByteArray());
    assertThatThrownBy(() -> OnnxModelReader.read(f)).isInstanceOf(CompileException.class)
        .hasMessageContaining("giant.onnx").hasMessageContaining("not a valid ONNX ModelProto");
  }

  @Test
  void irVersionOutsideThreeToNineIsUnsupported() throws Exception {
    Path f = TestModels.write(dir, "ir10.onnx", TestModels.reluModel().toBuilder().setIrVersion(10).build().toByteArray());
    assertThatThrownBy(() -> OnnxModelReader.read(f)).isInstanceOf(CompileException.class)
        .hasMessageContaining("IR version 10 is not supported").hasMessageContaining("ir10.onnx");
    Path old = TestModels.write(dir, "ir2.onnx", TestModels.reluModel().toBuilder().setIrVersion(2).build().toByteArray());
    assertThatThrownBy(() -> OnnxModelReader.read(old)).hasMessageContaining("IR version 2 is not supported");
  }

  @Test
  void opsetOutsideOneToTwentyOneIsUnsupported() throws Exception {
    ModelProto m = TestModels.reluModel();
    m = m.toBuilder().setOpsetImport(0, m.getOpsetImport(0).toBuilder().setVersion(22)).build();
    Path f = TestModels.write(dir, "opset22.onnx", m.toByteArray());
    assertThatThrownBy(() -> OnnxModelReader.read(f)).isInstanceOf(CompileException.class)
        .hasMessageContaining("opset 22 of the default domain is not supported");
  }

  @Test
  void missingDefaultOpsetAndNonModelFilesAreMalformed() throws Exception {
    Path f = TestModels.write(dir, "noopset.onnx", TestModels.reluModel().toBuilder().clearOpsetImport().build().toByteArray());
    assertThatThrownBy(() -> OnnxModelReader.read(f)).hasMessageContaining("imports no opset of the default ONNX domain but its nodes use it");
    Path text = TestModels.write(dir, "text.onnx", "hello, not protobuf".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThatThrownBy(() -> OnnxModelReader.read(text)).isInstanceOf(CompileException.class).hasMessageContaining("text.onnx");
    assertThatThrownBy(() -> OnnxModelReader.read(dir.resolve("absent.onnx"))).isInstanceOf(CompileException.class)
        .hasMessageContaining("absent.onnx");
  }
}
