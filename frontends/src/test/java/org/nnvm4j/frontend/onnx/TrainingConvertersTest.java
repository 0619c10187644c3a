package org.nnvm4j.frontend.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.NodeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.OperatorSetIdProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.pass.diag.CompileException;

/** Optimizer steps of ai.onnx.preview.training import as element-wise graphs; their numbers are checked by the conformance cases. */
class TrainingConvertersTest {
  @TempDir Path dir;

  private Path momentum(String mode) throws Exception {
    NodeProto.Builder node = TestModels.node("Momentum", "step", new String[] {"R", "T", "X", "G", "V"}, new String[] {"X_new", "V_new"},
        TestModels.floatAttr("alpha", 0.9f), TestModels.floatAttr("beta", 0.1f), TestModels.floatAttr("norm_coefficient", 0f),
        AttributeProto.newBuilder().setName("mode").setType(AttributeProto.AttributeType.STRING)
            .setS(com.google.protobuf.ByteString.copyFromUtf8(mode)).build()).toBuilder().setDomain(TrainingConverters.DOMAIN);
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("R")).addInput(TestModels.value("T", TensorProto.DataType.INT64_VALUE))
        .addInput(TestModels.f32("X", 3)).addInput(TestModels.f32("G", 3)).addInput(TestModels.f32("V", 3)).addNode(node)
        .addOutput(TestModels.f32("X_new", 3)).addOutput(TestModels.f32("V_new", 3)).build();
    var model = TestModels.model(8, 13, g).toBuilder()
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(TrainingConverters.DOMAIN).setVersion(1)).build();
    return TestModels.write(dir, mode + ".onnx", model.toByteArray());
  }

  @Test
  void momentumImportsInItsDomainAndRefusesAnUnknownMode() throws Exception {
    try (ImportedModel m = OnnxImporter.importModel(momentum("nesterov"), Map.of())) {
      assertThat(m.outputNames()).containsExactly("X_new", "V_new");
      assertThat(m.graph().ir()).contains("where(", "broadcast_greater(", "cast(%T");
    }
    Path bad = momentum("heavy-ball");
    assertThatThrownBy(() -> OnnxImporter.importModel(bad, Map.of())).isInstanceOf(CompileException.class)
        .hasMessageContaining("node 'step'").hasMessageContaining("attribute 'mode' = 'heavy-ball': expected standard or nesterov");
  }
}
