package org.nnvm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The bench paths that need no ONNX Runtime: the vector-add kernel and a model timed on nnvm4j alone, with its profile. */
class BenchCommandTest {
  @TempDir Path dir;

  private static String run(String... args) {
    StringWriter out = new StringWriter();
    int rc = new CommandLine(new Main()).setOut(new PrintWriter(out)).execute(args);
    assertThat(rc).as("exit code of %s", String.join(" ", args)).isZero();
    return out.toString();
  }

  @Test
  void timesTheVectorAddKernelWithoutAModel() {
    assertThat(run("bench", "--kernel", "vadd", "--n", "4096", "--warmup", "1", "--repeat", "3"))
        .contains("kernel vadd, n=4096").containsPattern("median [0-9.]+ ms .* over 3 runs -> [0-9.]+ GB/s");
  }

  @Test
  void timesAModelOnNnvm4jAloneWithoutVs() throws Exception {
    Files.write(dir.resolve("mobilenet.onnx"), ModelZoo.model("mobilenet").toByteArray());
    assertThat(run("bench", dir.resolve("mobilenet.onnx").toString(), "--warmup", "0", "--repeat", "2"))
        .contains("| model | threads | compile ms | nnvm4j ms |").doesNotContain("ORT ms")
        .containsPattern("\\| mobilenet\\.onnx \\| 1 \\| \\d+ \\| [0-9.]+ \\|");
  }

  @Test
  void profilePrintsTheMostExpensiveFusedFunctions() throws Exception {
    Files.write(dir.resolve("mobilenet.onnx"), ModelZoo.model("mobilenet").toByteArray());
    String out = run("bench", dir.resolve("mobilenet.onnx").toString(), "--warmup", "0", "--repeat", "3", "--profile", "2");
    assertThat(out).containsPattern("mobilenet\\.onnx, 1 thread\\(s\\): \\d+ fused calls, [0-9.]+ ms per run in all")
        .contains("| ms per run | share | function | node |");
    long rows = out.lines().filter(l -> l.matches("\\| [0-9.]+ \\| [0-9.]+% \\| \\S+ \\| \\S+ \\|")).count();
    assertThat(rows).as("the two costliest functions, in:%n%s", out).isEqualTo(2);
  }
}
