package org.nnvm4j.it.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.tir.PrimFunc;

/** The benchmarked kernels compute the right thing (timings are taken by JMH, never here). */
class BenchKernelsTest {
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"packed, 96", "blocked, 96", "blocked, 112"})
  void scheduledSgemmMatchesAJavaReference(String schedule, int n) {
    // 112 rows are not a multiple of the blocked schedule's 6-row tile: its product covers 114
    PrimFunc f = schedule.equals("blocked") ? Kernels.sgemmBlocked(n) : Kernels.sgemm(n, 32);
    assertThat(f.toString()).contains("parallel for (i.outer").contains("packedB");
    try (Kernels.Compiled k = Kernels.compile("llvm -fp-contract=fast -num-threads=2", f,
        new long[] {4L * n * n, 4L * n * n, 4L * n * n}, new long[0])) {
      k.run();
      float[] a = k.buffers().get(0).hostSegment().orElseThrow().toArray(ValueLayout.JAVA_FLOAT);
      float[] b = k.buffers().get(1).hostSegment().orElseThrow().toArray(ValueLayout.JAVA_FLOAT);
      float[] c = k.buffers().get(2).hostSegment().orElseThrow().toArray(ValueLayout.JAVA_FLOAT);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          double want = 0;
          for (int q = 0; q < n; q++) want += (double) a[i * n + q] * b[q * n + j];
          assertThat((double) c[i * n + j]).as("C[%d,%d]", i, j).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5 * Math.abs(want) + 1e-4));
        }
      }
    }
  }

  @Test
  void fmaPeakLoopMatchesTheInterpreter() {
    PrimFunc f = Kernels.fmaPeak(2, 12, 16);
    try (Kernels.Compiled k = Kernels.compile("llvm -num-threads=2", f, new long[] {8, 4L * 2 * 12 * 16}, new long[] {1000});
         NDArray x = NDArray.allocate(DType.F32, Shape.of(2)); NDArray out = NDArray.allocate(DType.F32, Shape.of(2 * 12 * 16))) {
      k.run();
      x.copyFrom(k.buffers().get(0).hostSegment().orElseThrow().toArray(ValueLayout.JAVA_FLOAT));
      Interpreter.run(f, List.of(x, out), new long[] {1000});
      assertThat(k.buffers().get(1).hostSegment().orElseThrow().toArray(ValueLayout.JAVA_FLOAT)).containsExactly(out.toFloatArray());
    }
  }
}
