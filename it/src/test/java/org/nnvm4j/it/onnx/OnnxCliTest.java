package org.nnvm4j.it.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.cli.Main;
import org.nnvm4j.cli.NpyFile;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ModelProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.NodeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.OperatorSetIdProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorShapeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TypeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ValueInfoProto;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** {@code nnvm4j ir / compile / run} on an ONNX model: y = relu(x + b) with b an initializer. */
class OnnxCliTest {
  @TempDir Path dir;

  private static String run(int expectedCode, String... args) {
    PrintStream old = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
    System.setOut(ps);
    System.setErr(ps);
    try {
      assertThat(Main.run(args)).as(buf.toString(StandardCharsets.UTF_8)).isEqualTo(expectedCode);
    } finally {
      System.setOut(old);
      System.setErr(oldErr);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  private static ValueInfoProto f32(String name, long... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
  }

  private Path model() throws Exception {
    GraphProto g = GraphProto.newBuilder().setName("g").addInput(f32("x", 4)).addOutput(f32("y", 4))
        .addInitializer(TensorProto.newBuilder().setName("b").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(4)
            .addFloatData(1).addFloatData(-10).addFloatData(0.5f).addFloatData(0))
        .addNode(NodeProto.newBuilder().setOpType("Add").setName("add").addInput("x").addInput("b").addOutput("s"))
        .addNode(NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("s").addOutput("y")).build();
    ModelProto m = ModelProto.newBuilder().setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
    return Files.write(dir.resolve("m.onnx"), m.toByteArray());
  }

  private Path input() throws Exception {
    Path x = dir.resolve("x.npy");
    try (NDArray a = NDArray.of(new float[] {1, 2, 3, -4}, Shape.of(4))) {
      NpyFile.write(x, a);
    }
    return x;
  }

  @Test
  void irPrintsTheImportedGraph() throws Exception {
    String out = run(0, "ir", model().toString());
    assertThat(out).contains("%2 = elemwise_add(%x, %b)").contains("relu(%2)").contains("input  x: float32 [4]")
        .contains("param  b: float32 [4]").contains("output y");
  }

  @Test
  void irShowsTheIrAfterAPassTheLoweredGroupsAndTheGeneratedCode() throws Exception {
    String m = model().toString();
    assertThat(run(0, "ir", m, "--after", "graph.fuse-ops")).startsWith("// IR after graph.fuse-ops")
        .contains("elemwise_add(%x, %b)").contains("shape=[4]");
    assertThat(run(0, "ir", m, "--after", "tir.flatten-storage")).contains("// IR after tir.flatten-storage").contains("primfn fuse_");
    String lowered = run(0, "ir", m, "--lowered", "all");
    assertThat(lowered).containsPattern("primfn fuse_elemwise_add_relu\\(").contains("max(");
    assertThat(run(0, "ir", m, "--source")).contains("// llvm module source (ll)").contains("define");
    assertThat(run(0, "ir", m, "--target", "opencl", "--source")).contains("// opencl module source (cl)").contains("__kernel void");
    assertThat(run(1, "ir", m, "--after", "graph.nope")).contains("unknown pass 'graph.nope'").contains("graph.fuse-ops");
    assertThat(run(1, "ir", m, "--lowered", "fuse_nope")).contains("no fused function 'fuse_nope'").contains("fuse_elemwise_add_relu");
  }

  @Test
  void compileThenRunTheFolder() throws Exception {
    Path out = dir.resolve("compiled");
    assertThat(run(0, "compile", model().toString(), "--target", "llvm", "--opt-level", "2", "-o", out.toString()))
        .contains("compiled").contains("inputs [x], outputs [y]")
        .containsPattern("\\[ +[0-9.]+ s\\] graph\\.fuse-ops\n")
        .containsPattern("\\[ +[0-9.]+ s\\] lowering fuse_elemwise_add_relu \\(1\\)\n")
        .contains("generated code for 1 functions");
    assertThat(run(0, "compile", model().toString(), "--quiet", "-o", dir.resolve("quiet").toString())).doesNotContain("lowering");
    assertThat(out.resolve("deploy_graph.json")).exists();
    assertThat(out.resolve("libmodule.so")).exists();
    assertThat(out.resolve("deploy_param.params")).exists();
    assertThat(out.resolve("manifest.json")).exists();
    Path results = dir.resolve("results");
    String printed = run(0, "run", out.toString(), "--input", "x=" + input(), "--output-dir", results.toString());
    assertThat(printed).contains("output 0 (y)");
    try (NDArray y = NpyFile.read(results.resolve("output_0.npy"))) {
      assertThat(y.toFloatArray()).containsExactly(2, 0, 3.5f, 0);
    }
  }

  @Test
  void runCompilesAModelFileForTheGivenInputs() throws Exception {
    Path results = dir.resolve("r2");
    run(0, "run", model().toString(), "--input", "x=" + input(), "--output-dir", results.toString());
    try (NDArray y = NpyFile.read(results.resolve("output_0.npy"))) {
      assertThat(y.toFloatArray()).containsExactly(2, 0, 3.5f, 0);
    }
  }

  @Test
  void errorsNameTheProblem() throws Exception {
    assertThat(run(1, "run", model().toString(), "--output-dir", dir.toString())).contains("error: no --input for [x]");
    assertThat(run(1, "run", model().toString(), "--input", "z=" + input())).contains("the model has no input 'z'");
    Path bad = Files.write(dir.resolve("bad.onnx"), new byte[] {8, 8, 0x3a, 100});
    assertThat(run(1, "ir", bad.toString())).contains("bad.onnx");
  }
}
