package org.nnvm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.pass.diag.CompileException;
import picocli.CommandLine;

/**
 * Every {@link ModelZoo} model imports, compiles and matches ONNX Runtime within rtol 1e-3 / atol 1e-4
 * on the bench's random inputs; the ORT cases skip when ORT's natives cannot load.
 */
class ModelZooOrtTest {
  private static final double RTOL = 1e-3;
  private static final double ATOL = 1e-4;

  @TempDir Path dir;

  @Test
  void writesEveryModelWithItsDeclaredInput() throws Exception {
    List<Path> files = ModelZoo.writeAll(dir);
    assertThat(files).extracting(f -> f.getFileName().toString())
        .containsExactly("mlp.onnx", "resnet.onnx", "mobilenet.onnx", "transformer.onnx", "resnet18.onnx", "mobilenet_v1.onnx");
    try (ImportedModel m = ModelOptions.load(dir.resolve("resnet.onnx"), Map.of())) {
      assertThat(m.dataInputs()).containsExactly("x");
      assertThat(m.inputShapes().get("x").toArray()).containsExactly(1, 3, 64, 64);
      assertThat(m.outputNames()).hasSize(1);
    }
    try (ImportedModel m = ModelOptions.load(dir.resolve("resnet18.onnx"), Map.of())) {
      assertThat(m.inputShapes().get("x").toArray()).containsExactly(1, 3, 224, 224);
      assertThat(m.params()).hasSize(20 * 5 + 2);
    }
    assertThat(Files.readAllBytes(dir.resolve("mlp.onnx"))).isEqualTo(ModelZoo.model("mlp").toByteArray());
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "resnet", "mobilenet", "transformer", "resnet18", "mobilenet_v1"})
  void matchesOnnxRuntime(String name) throws Exception {
    String why = ModelBench.ortAvailability();
    assumeTrue(why == null, why);
    Path model = dir.resolve(name + ".onnx");
    Files.write(model, ModelZoo.model(name).toByteArray());
    ModelBench.Result r = ModelBench.run(model, new ModelBench.Options(1, 2, Map.of(), 0, 1, true, false));
    assertThat(r.ortError()).isNull();
    assertThat(r.nnvm4jOutputs()).hasSameSizeAs(r.ortOutputs()).isNotEmpty();
    for (int k = 0; k < r.ortOutputs().size(); k++) {
      float[] mine = r.nnvm4jOutputs().get(k);
      float[] theirs = r.ortOutputs().get(k);
      assertThat(mine).hasSameSizeAs(theirs);
      for (int i = 0; i < theirs.length; i++) {
        double tolerance = ATOL + RTOL * Math.abs(theirs[i]);
        assertThat(Math.abs((double) mine[i] - theirs[i])).as("%s output %d element %d: %s vs ORT %s", name, k, i, mine[i], theirs[i])
            .isLessThanOrEqualTo(tolerance);
      }
    }
    assertThat(r.maxAbsDiff()).isEqualTo(ModelBench.maxAbsDiff(model, r.nnvm4jOutputs(), r.ortOutputs()));
  }

  @Test
  void benchCommandPrintsOneRowPerModelAndThreadCount() throws Exception {
    String why = ModelBench.ortAvailability();
    assumeTrue(why == null, why);
    Files.write(dir.resolve("mlp.onnx"), ModelZoo.model("mlp").toByteArray());
    StringWriter out = new StringWriter();
    int rc = new CommandLine(new Main()).setOut(new PrintWriter(out))
        .execute("bench", dir.resolve("mlp.onnx").toString(), "--vs", "ort", "--threads", "1,2", "--warmup", "1", "--repeat", "3");
    assertThat(rc).isZero();
    assertThat(out.toString()).contains("| model | threads | compile ms | nnvm4j ms | ORT ms | nnvm4j/ORT | max abs diff |")
        .containsPattern("\\| mlp\\.onnx \\| 1 \\| \\d+ \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.e+-]+ \\|")
        .containsPattern("\\| mlp\\.onnx \\| 2 \\|");
  }

  @Test
  void benchRejectsAnUnknownComparisonAndMismatchedOutputs() {
    StringWriter err = new StringWriter();
    int rc = new CommandLine(new Main()).setErr(new PrintWriter(err)).execute("bench", "x.onnx", "--vs", "tflite");
    assertThat(rc).isNotZero();
    assertThat(err.toString()).contains("unknown --vs 'tflite'; known: ort");
    assertThatThrownBy(() -> ModelBench.maxAbsDiff(Path.of("m.onnx"), List.of(new float[2]), List.of(new float[3])))
        .isInstanceOf(CompileException.class).hasMessageContaining("output 0 has 2 elements on nnvm4j, 3 on ONNX Runtime");
  }
}
