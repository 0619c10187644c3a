package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.cli.Main;

/** The command line: {@code targets}, {@code demo} and {@code ir}. */
class CliTest {
  private static String run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertThat(Main.run(args)).isZero();
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void targetsListsEveryBackendWithItsAvailability() {
    String out = run("targets");
    assertThat(out).containsPattern("(?m)^llvm\\s+\\S*backend-llvm-cpu\\S*\\s+yes\\s+yes");
    assertThat(out).containsPattern("(?m)^cuda\\s+\\S+\\s+no\\s+no\\s+PTX code generation is not implemented");
    assertThat(out).containsPattern("(?m)^opencl\\s+\\S*backend-opencl\\S*\\s+yes\\s+(yes|no\\s+no OpenCL ICD)");
    assertThat(out).containsPattern("(?m)^arm\\s+\\S+\\s+no\\s+no\\s+ARM code generation is not implemented");
  }

  @Test
  void demoRunsBothSeedPrograms() {
    String out = run("demo");
    assertThat(out).contains("primfn myadd(A: Buffer(float32, [n])")
        .contains("C = [0.0, 11.0, 22.0, 33.0, 44.0, 55.0, 66.0, 77.0, 88.0, 99.0]")
        .contains("%2 = elemwise_add(%x, %y)")
        .contains("z = [5.0, 6.0, 7.0, 8.0]");
  }

  @Test
  void demoOnOpenClPrintsTheKernelSourceAndRunsOnTheDevice() {
    Availability a = BackendRegistry.defaultRegistry().provider("opencl").availability();
    Assumptions.assumeTrue(a.canRun(), a.reason());
    String out = run("demo", "--target", "opencl");
    assertThat(out).contains("launch_thread (blockIdx.x: i.outer, 0, floordiv((n + 255), 256))")
        .contains("-- generated source (cl) --")
        .contains("__kernel void myadd_kernel0(__global float* restrict A")
        .contains("C = [0.0, 11.0, 22.0, 33.0, 44.0, 55.0, 66.0, 77.0, 88.0, 99.0]")
        .contains("z = [5.0, 6.0, 7.0, 8.0]");
  }

  /** {@code ir --target opencl --source} shows the work-group reduction of a global average pool. */
  @Test
  void irShowsTheLocalMemoryReductionOfAGlobalPoolOnOpenCl() {
    java.nio.file.Path model = java.nio.file.Path.of(System.getProperty("nnvm4j.onnx.testdata", "/usr/share/libonnx-testdata/data"),
        "node/test_globalaveragepool/model.onnx");
    Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(model), "ONNX test data not found: " + model);
    String out = run("ir", model.toString(), "--target", "opencl", "--source", "--shape", "x=1,3,32,32");
    assertThat(out).contains("__local float global_avg_pool2d_sum_red[256];")
        .contains("int r2_r3_fused_inner = get_local_id(0);")
        .contains("global_avg_pool2d_sum_red[r2_r3_fused_inner] = global_avg_pool2d_sum_acc[0];\n  barrier(CLK_LOCAL_MEM_FENCE);")
        .contains("global_avg_pool2d[((i_j_fused_k_fused_l_fused_outer * 256) + i_j_fused_k_fused_l_fused_inner)] =");
  }
}
