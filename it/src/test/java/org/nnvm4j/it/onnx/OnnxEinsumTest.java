package org.nnvm4j.it.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Device;
import org.nnvm4j.frontend.onnx.OnnxImporter;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ModelProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.NodeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.OperatorSetIdProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorShapeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TypeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ValueInfoProto;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * ONNX Einsum contractions that the importer rewrites into transposes, reshapes and batch_matmul, run
 * on llvm, against the general {@code einsum} op (itself checked against a naive evaluator in
 * ir-graph) run by the interpreter backend.
 */
class OnnxEinsumTest {
  @TempDir Path dir;

  private static ValueInfoProto f32(String name, long... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
  }

  private static long[] dims(String s) {
    return java.util.Arrays.stream(s.split("x")).mapToLong(Long::parseLong).toArray();
  }

  private static NDArray random(long seed, long[] shape) {
    java.util.Random r = new java.util.Random(seed);
    float[] v = new float[(int) Shape.of(shape).numElements()];
    for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
    return NDArray.of(v, Shape.of(shape));
  }

  private static float[] run(Graph g, String target, Map<String, NDArray> in, Map<String, NDArray> params) {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    in.forEach((k, v) -> shapes.put(k, v.shape()));
    try (CompiledGraph cg = Compiler.build(g, target, shapes, Map.of(), DType.F32, params, Compiler.buildConfig(2, Set.of()));
         GraphModule gm = GraphModule.create(cg, target.equals("interp") ? new Device("interp", 0) : Device.cpu(0))) {
      in.forEach(gm::setInput);
      gm.run();
      try (NDArray o = gm.getOutput(0)) {
        return o.toFloatArray();
      }
    }
  }

  @ParameterizedTest(name = "{0} over {1} and {2}")
  @CsvSource(delimiter = '|', value = {"bhqd,bhkd->bhqk | 2x3x7x4 | 2x3x9x4 | batch_matmul", "ik,kj->ji | 7x5 | 5x6 | transpose",
      "i,i | 8 | 8 | batch_matmul", "bij,jk->bik | 2x7x3 | 3x16 | batch_matmul", "abc,cd->dba | 2x6x3 | 3x4 | transpose",
      "ij,ik->jk | 4x3 | 4x5 | transpose", "ii,ij->j | 3x3 | 3x4 | einsum"})
  void contractionsMatchTheEinsumOp(String eq, String da, String db, String expectOp) throws Exception {
    GraphProto g = GraphProto.newBuilder().setName("g").addInput(f32("a", dims(da))).addInput(f32("b", dims(db)))
        .addOutput(ValueInfoProto.newBuilder().setName("y"))
        .addNode(NodeProto.newBuilder().setOpType("Einsum").setName("e").addInput("a").addInput("b").addOutput("y")
            .addAttribute(AttributeProto.newBuilder().setName("equation").setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(eq)))).build();
    ModelProto m = ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
        .setGraph(g).build();
    Path f = Files.write(dir.resolve("einsum.onnx"), m.toByteArray());
    Map<String, NDArray> in = new LinkedHashMap<>();
    in.put("a", random(1, dims(da)));
    in.put("b", random(2, dims(db)));
    try (ImportedModel im = OnnxImporter.importModel(f, Map.of())) {
      assertThat(im.graph().ir()).contains(expectOp + "(");
      float[] got = run(im.graph(), "llvm", in, im.params());
      Graph reference = Graph.create(Symbol.create("einsum", Map.of("equation", eq), Symbol.variable("a"), Symbol.variable("b")));
      float[] want = run(reference, "interp", in, Map.of());
      assertThat(got).hasSize(want.length);
      for (int i = 0; i < want.length; i++) {
        assertThat((double) Math.abs(got[i] - want[i])).as("%s [%d]: %f vs %f", eq, i, got[i], want[i])
            .isLessThanOrEqualTo(1e-5 + 1e-4 * Math.abs(want[i]));
      }
    }
    List<NDArray> all = new ArrayList<>(in.values());
    all.forEach(NDArray::close);
  }
}
