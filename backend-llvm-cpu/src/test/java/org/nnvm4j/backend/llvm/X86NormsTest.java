package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.topi.Norm;
import org.nnvm4j.tensor.topi.PoolNd;

/**
 * The x86 schedules of {@link X86Norms}: a layer norm's row reductions run parallel over rows, each row
 * read as vectors into 8 partial sums, and its output rows vectorized; it gives the values of a plain-Java
 * reference (double sums; tolerance 1e-5 * (1 + |ref|) at 1 thread IEEE and at 2 threads with FMA
 * contraction); an Lp pool computes its window sums at the parallel output loop.
 */
class X86NormsTest {
  static float[] random(long seed, int n) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = r.nextFloat() * 4 - 1;
    return v;
  }

  @ParameterizedTest(name = "layer_norm {0}x{1} threads={2}")
  @CsvSource({"128,768,1", "128,768,2", "7,13,1", "33,40,2", "1,8,1"})
  void layerNormRowsInParallelMatchJava(int rows, int n, int threads) {
    Tensor x = Te.placeholder(Te.shape(rows, n), DType.F32, "x");
    Tensor g = Te.placeholder(Te.shape(n), DType.F32, "g");
    Tensor b = Te.placeholder(Te.shape(n), DType.F32, "b");
    Tensor out = Norm.layerNorm(x, g, b, 1, 1e-5, "layer_norm").out();
    LlvmBackend backend = X86SchedulesTest.backend(threads);
    PrimFunc f = X86SchedulesTest.lower(backend, List.of(x, g, b), out, "opaque", "layer_norm");
    String text = f.toString();
    // the row sums read the row as vectors into 8 partial sums per row (rfactor), kept inside the row loop
    // the inverse scale stays a stored row stage where the rows divide by 8: the graph compiler inlines only
    // stages a schedule left as created (no split, annotation or placement)
    if (rows % X86Schedules.LANES == 0) {
      Schedule sch = backend.schedule(new ScheduleRequest(List.of(out), "opaque", "layer_norm", Map.of()));
      Stage inv = sch.stages().stream().filter(st -> st.op() instanceof ComputeOp c && c.tag().equals(Norm.INV_TAG)).findFirst().orElseThrow();
      assertThat(inv.isInlined()).isFalse();
      assertThat(inv.relations()).as("inverse scale stage split").isNotEmpty();
    }
    if (n % X86Schedules.LANES == 0 && n >= 2 * X86Schedules.LANES) {
      assertThat(text).as(text).contains("layer_norm_sum.rf[ramp(").contains("layer_norm_sqr_dev.rf[ramp(")
          .containsPattern("for \\(i, 0, " + rows + "\\) \\{\\n *allocate layer_norm_sum.rf\\[float32 \\* 8 \\* 1\\]");
    }
    if ((long) rows * n >= X86Schedules.PARALLEL_MIN) assertThat(text).as(text).contains("parallel for");
    if (n % X86Schedules.LANES == 0) assertThat(text).as(text).contains("x[ramp(");
    // every row reduction runs parallel over the rows: no serial loop over all rows before the output's
    if ((long) rows * n >= X86Schedules.PARALLEL_MIN) assertThat(text).as(text).doesNotContainPattern("\\n  for \\(i(_1)?, 0, " + rows + "\\)");
    float[] xv = random(rows, rows * n), gv = random(2, n), bv = random(3, n);
    float[] got = X86SchedulesTest.run(backend, f, List.of(xv, gv, bv), rows * n);
    for (int r = 0; r < rows; r++) {
      double mean = 0, var = 0;
      for (int j = 0; j < n; j++) mean += xv[r * n + j];
      mean /= n;
      for (int j = 0; j < n; j++) var += (xv[r * n + j] - mean) * (xv[r * n + j] - mean);
      double inv = 1 / Math.sqrt(var / n + 1e-5);
      for (int j = 0; j < n; j++) {
        double want = (xv[r * n + j] - mean) * inv * gv[j] + bv[j];
        assertThat((double) got[r * n + j]).as("row %d column %d", r, j).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(want))));
      }
    }
  }

  @ParameterizedTest(name = "global_lp_pool {0}x{1} p={2}")
  @CsvSource({"64,196,2", "3,5,3", "32,1024,3"})
  void globalLpPoolSumsAtTheOutputLoop(int channels, int pixels, int p) {
    Tensor x = Te.placeholder(Te.shape(1, channels, pixels), DType.F32, "x");
    Tensor out = PoolNd.globalLpPool(x, p, "global_lp_pool");
    LlvmBackend backend = X86SchedulesTest.backend(2);
    PrimFunc f = X86SchedulesTest.lower(backend, List.of(x), out, "out_elemwise_fusable", "global_lp_pool");
    if ((long) channels * pixels >= X86Schedules.PARALLEL_MIN) assertThat(f.toString()).contains("parallel for");
    if (pixels % X86Schedules.LANES == 0) assertThat(f.toString()).contains("global_lp_pool_sum.rf[ramp(");
    float[] xv = random(p, channels * pixels);
    float[] got = X86SchedulesTest.run(backend, f, List.of(xv), channels);
    for (int c = 0; c < channels; c++) {
      double s = 0;
      for (int i = 0; i < pixels; i++) s += Math.pow(Math.abs(xv[c * pixels + i]), p);
      double want = Math.pow(s, 1.0 / p);
      assertThat((double) got[c]).as("channel %d", c).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5 * (1 + want)));
    }
  }

  @org.junit.jupiter.api.Test
  void lpPoolWithAFusedReluSumsEachWindowAtTheParallelOutputLoop() {
    Tensor x = Te.placeholder(Te.shape(2, 16, 33, 31), DType.F32, "x");
    PoolNd.Params p = new PoolNd.Params(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, true, false);
    Tensor pool = PoolNd.lpPool(x, p, 2, "lp_pool2d");
    Tensor out = Te.computeN(pool.shape(), idx -> org.nnvm4j.tensor.tir.IrOps.max(pool.get(idx), org.nnvm4j.tensor.tir.IrOps.f32(0.5)),
        "relu", "elemwise", Map.of());
    LlvmBackend backend = X86SchedulesTest.backend(2);
    PrimFunc f = X86SchedulesTest.lower(backend, List.of(x), out, "out_elemwise_fusable", "lp_pool2d");
    String text = f.toString();
    assertThat(text).as(text).contains("parallel for").containsPattern("parallel for[^\\n]*\\{\\n *allocate lp_pool2d_sum\\[float32 \\* 1");
    long[] os = PoolNd.outShape(new long[] {2, 16, 33, 31}, p);
    float[] xv = random(9, 2 * 16 * 33 * 31);
    float[] got = X86SchedulesTest.run(backend, f, List.of(xv), (int) (os[0] * os[1] * os[2] * os[3]));
    for (int c = 0; c < 32; c++) {
      for (int i = 0; i < os[2]; i++) {
        for (int j = 0; j < os[3]; j++) {
          double sum = 0;
          for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
              int y = i * 2 - 1 + a, z = j * 2 - 1 + b;
              if (y >= 0 && y < 33 && z >= 0 && z < 31) sum += xv[(c * 33 + y) * 31 + z] * (double) xv[(c * 33 + y) * 31 + z];
            }
          }
          double want = Math.max(Math.sqrt(sum), 0.5);
          assertThat((double) got[(int) ((c * os[2] + i) * os[3] + j)]).as("%d %d %d", c, i, j)
              .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5 * (1 + want)));
        }
      }
    }
  }

  @org.junit.jupiter.api.Test
  void instanceNormVectorizesTheLastAxisWithoutDividingIndices() {
    Tensor x = Te.placeholder(Te.shape(2, 24, 14, 16), DType.F32, "x");
    Tensor g = Te.placeholder(Te.shape(24), DType.F32, "g");
    Tensor b = Te.placeholder(Te.shape(24), DType.F32, "b");
    LlvmBackend backend = X86SchedulesTest.backend(2);
    PrimFunc f = X86SchedulesTest.lower(backend, List.of(x, g, b), Norm.instanceNorm(x, g, b, 1, 1e-5, "instance_norm"), "opaque", "instance_norm");
    String text = f.toString();
    assertThat(text).as(text).contains("instance_norm_sum.rf[ramp(").contains("instance_norm[ramp(").doesNotContain("floordiv(ramp(");
    float[] xv = random(11, 2 * 24 * 14 * 16), gv = random(12, 24), bv = random(13, 24);
    float[] got = X86SchedulesTest.run(backend, f, List.of(xv, gv, bv), xv.length);
    int n = 14 * 16;
    for (int r = 0; r < 48; r++) {
      double mean = 0, var = 0;
      for (int j = 0; j < n; j++) mean += xv[r * n + j] / (double) n;
      for (int j = 0; j < n; j++) var += (xv[r * n + j] - mean) * (xv[r * n + j] - mean) / n;
      for (int j = 0; j < n; j++) {
        double want = (xv[r * n + j] - mean) / Math.sqrt(var + 1e-5) * gv[r % 24] + bv[r % 24];
        assertThat((double) got[r * n + j]).as("row %d element %d", r, j).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(want))));
      }
    }
  }
}
