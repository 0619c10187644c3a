package org.nnvm4j.frontend.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ModelProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.NodeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.OperatorSetIdProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorShapeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TypeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ValueInfoProto;

/** Builders for small ONNX models made with the generated protobuf classes. */
final class TestModels {
  private TestModels() {}

  static ValueInfoProto value(String name, int elemType, long... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    return ValueInfoProto.newBuilder().setName(name)
        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(s))).build();
  }

  static ValueInfoProto f32(String name, long... dims) { return value(name, TensorProto.DataType.FLOAT_VALUE, dims); }

  static NodeProto node(String op, String name, String[] in, String[] out, AttributeProto... attrs) {
    NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).setName(name);
    for (String i : in) b.addInput(i);
    for (String o : out) b.addOutput(o);
    for (AttributeProto a : attrs) b.addAttribute(a);
    return b.build();
  }

  static AttributeProto floatAttr(String name, float v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
  }

  static TensorProto rawF32(String name, float[] values, long... dims) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) b.putFloat(v);
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
        .setRawData(ByteString.copyFrom(b.array()));
    for (long d : dims) t.addDims(d);
    return t.build();
  }

  /** An int64 initializer (values in int64_data). */
  static TensorProto i64(String name, long[] values, long... dims) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
    for (long v : values) t.addInt64Data(v);
    for (long d : dims) t.addDims(d);
    return t.build();
  }

  static AttributeProto intAttr(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
  }

  static ModelProto model(long irVersion, long opset, GraphProto graph) {
    return ModelProto.newBuilder().setIrVersion(irVersion).setProducerName("nnvm4j-test")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(graph).build();
  }

  /** y = Relu(x) over float32[2, 3]. */
  static ModelProto reluModel() {
    GraphProto g = GraphProto.newBuilder().setName("relu").addInput(f32("x", 2, 3)).addOutput(f32("y", 2, 3))
        .addNode(node("Relu", "r", new String[] {"x"}, new String[] {"y"})).build();
    return model(8, 13, g);
  }

  static Path write(Path dir, String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  /** The graph IR text of importing a model of {@code graph} at {@code opset}, written to {@code dir}. */
  static String importedIr(Path dir, GraphProto graph, long opset) throws Exception {
    Path f = write(dir, "m.onnx", model(8, opset, graph).toByteArray());
    try (org.nnvm4j.graph.frontend.ImportedModel m = OnnxImporter.importModel(f, java.util.Map.of())) {
      return m.graph().ir();
    }
  }
}
