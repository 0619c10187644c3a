package org.nnvm4j.it.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Device;
import org.nnvm4j.frontend.onnx.OnnxImporter;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ModelProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.OperatorSetIdProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorShapeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TypeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ValueInfoProto;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** Test helper: an ONNX file imported, compiled for llvm at opt level 2 and run once; small models written for it. */
final class OnnxRuns {
  private OnnxRuns() {}

  /** The outputs (copies the caller owns) of {@code file} run on {@code inputs}, whose shapes replace the declared ones. */
  static List<NDArray> run(Path file, Map<String, NDArray> inputs) {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    inputs.forEach((k, v) -> shapes.put(k, v.shape()));
    try (ImportedModel m = OnnxImporter.importModel(file, shapes);
         CompiledGraph cg = Compiler.build(m.graph(), "llvm", m.inputShapes(), m.inputTypes(), DType.F32, copy(m.params()),
             PassContext.builder().optLevel(2).build());
         GraphModule gm = GraphModule.create(cg, Device.cpu(0))) {
      inputs.forEach(gm::setInput);
      gm.run();
      List<NDArray> outs = new ArrayList<>();
      for (int k = 0; k < gm.getNumOutputs(); k++) {
        try (NDArray out = gm.getOutput(k)) {
          outs.add(NDArray.allocate(out.dtype(), out.shape()).copyFrom(out));
        }
      }
      return outs;
    }
  }

  /** The compiled graph owns (and closes) its params; it gets its own copies so the import can close its. */
  private static Map<String, NDArray> copy(Map<String, NDArray> params) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    params.forEach((k, v) -> out.put(k, NDArray.allocate(v.dtype(), v.shape()).copyFrom(v)));
    return out;
  }

  /** A float32 graph input or output of {@code dims}. */
  static ValueInfoProto f32(String name, long... dims) {
    var sp = TensorShapeProto.newBuilder();
    for (long d : dims) sp.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto
        .newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
            .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(sp))).build();
  }

  /** {@code g} as a model of the default domain at {@code opset}, written to {@code dir/name.onnx}. */
  static Path write(Path dir, GraphProto.Builder g, long opset, String name) throws IOException {
    var m = ModelProto.newBuilder().setIrVersion(8).setProducerName("nnvm4j-test")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(g).build();
    Path p = dir.resolve(name + ".onnx");
    Files.write(p, m.toByteArray());
    return p;
  }
}
