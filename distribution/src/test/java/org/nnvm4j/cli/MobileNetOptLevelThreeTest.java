package org.nnvm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.graph.deploy.DeployGraph;
import org.nnvm4j.graph.frontend.ImportedModel;

/**
 * The MobileNets of {@link ModelZoo} at opt level 3: every depthwise conv runs as depthwise_conv2d_NCHWc
 * between the conv2d_NCHWc ops, so the only layout transforms are at the model's boundary (the input, and
 * back to NCHW before the classifier); and the outputs match ONNX Runtime within the tolerance of
 * {@link ModelZooOrtTest} (skipped when ORT's natives cannot load).
 */
class MobileNetOptLevelThreeTest {
  private static final double RTOL = 1e-3;
  private static final double ATOL = 1e-4;

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @CsvSource({"mobilenet,2", "mobilenet_v1,13"})
  void depthwiseConvsStayBlockedAndMatchOnnxRuntime(String name, int depthwise) throws Exception {
    Path model = dir.resolve(name + ".onnx");
    Files.write(model, ModelZoo.model(name).toByteArray());
    List<String> functions;
    try (ImportedModel m = ModelOptions.load(model, Map.of());
         CompiledGraph cg = ModelCompiler.compile(m, "llvm", 3, Map.of())) {
      functions = cg.deployGraph().nodes().stream().filter(n -> !n.isVariable()).map(DeployGraph.DeployNode::funcName).toList();
    }
    assertThat(functions).filteredOn(f -> f.startsWith("fuse_depthwise_conv2d_NCHWc")).hasSize(depthwise);
    assertThat(functions).filteredOn(f -> f.contains("layout_transform")).as("transforms in %s", functions).hasSize(2);
    assertThat(functions.get(0)).isEqualTo("fuse_layout_transform");

    String why = ModelBench.ortAvailability();
    assumeTrue(why == null, why);
    ModelBench.Result r = ModelBench.run(model, new ModelBench.Options(1, 3, Map.of(), 0, 1, true, false));
    assertThat(r.ortError()).isNull();
    assertThat(r.nnvm4jOutputs()).hasSameSizeAs(r.ortOutputs()).isNotEmpty();
    for (int k = 0; k < r.ortOutputs().size(); k++) {
      float[] mine = r.nnvm4jOutputs().get(k), theirs = r.ortOutputs().get(k);
      assertThat(mine).hasSameSizeAs(theirs);
      for (int i = 0; i < theirs.length; i++) {
        assertThat(Math.abs((double) mine[i] - theirs[i])).as("%s output %d element %d: %s vs ORT %s", name, k, i, mine[i], theirs[i])
            .isLessThanOrEqualTo(ATOL + RTOL * Math.abs(theirs[i]));
      }
    }
  }
}
