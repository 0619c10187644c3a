package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * Dense with fewer than {@link X86Computes#DENSE_ROWS} rows ({@link X86SmallDense}) against a plain Java
 * reference: 1 to 5 rows, k with and without a tail (and below one 16-lane step), odd output counts,
 * with and without bias, at 1 and 2 threads; tolerance as in {@link X86SchedulesTest}.
 */
class X86SmallDenseTest {
  @ParameterizedTest(name = "dense {0}x{1}x{2} bias={3} threads={4}")
  @CsvSource({
      "1,512,784,true,1", "1,512,784,true,2", "1,256,512,true,1", "1,256,512,true,2", "1,10,256,false,1", "1,37,29,true,2", "2,13,16,true,1",
      "3,7,9,false,2", "4,33,100,true,1", "5,5,8,true,2", "1,1,15,false,1", "2,130,47,true,2",
      "1,1024,1100,true,2", "2,700,800,false,2"})
  void smallDenseMatchesJava(int m, int n, int k, boolean withBias, int threads) {
    Tensor a = Te.placeholder(Te.shape(m, k), DType.F32, "A");
    Tensor w = Te.placeholder(Te.shape(n, k), DType.F32, "W");
    Tensor b = Te.placeholder(Te.shape(n), DType.F32, "B");
    List<Tensor> args = withBias ? List.of(a, w, b) : List.of(a, w);
    Tensor d = X86Computes.compute("dense", Map.of(), args).orElseThrow().get(0);
    Tensor out = Te.compute(d.shape(), (i, j) -> IrOps.max(d.get(i, j), IrOps.f32(0)), "relu");
    LlvmBackend backend = X86SchedulesTest.backend(threads);
    PrimFunc f = X86SchedulesTest.lower(backend, args, out, "out_elemwise_fusable", "dense");
    assertThat(f.toString()).contains("_dot");
    float[] x = ParallelLoopTest.random(m * k, 11), y = ParallelLoopTest.random(n * k, 12), z = ParallelLoopTest.random(n, 13);
    double[] ref = new double[m * n], mag = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double acc = withBias ? z[j] : 0, ab = Math.abs(acc);
        for (int q = 0; q < k; q++) {
          acc += (double) x[i * k + q] * y[j * k + q];
          ab += Math.abs((double) x[i * k + q] * y[j * k + q]);
        }
        ref[i * n + j] = Math.max(acc, 0);
        mag[i * n + j] = ab;
      }
    }
    List<float[]> inputs = withBias ? List.of(x, y, z) : List.of(x, y);
    X86SchedulesTest.assertClose(X86SchedulesTest.run(backend, f, inputs, m * n), ref, mag);
  }

  @Test
  void gemvIsVectorizedOverLanesAndParallelOnlyWhenLarge() {
    Tensor a = Te.placeholder(Te.shape(1, 2048), DType.F32, "A");
    Tensor w = Te.placeholder(Te.shape(1024, 2048), DType.F32, "W");
    Tensor d = X86Computes.compute("dense", Map.of(), List.of(a, w)).orElseThrow().get(0);
    PrimFunc big = X86SchedulesTest.lower(X86SchedulesTest.backend(2), List.of(a, w), d, "out_elemwise_fusable", "dense");
    assertThat(big.toString()).contains("parallel for").contains("W[ramp(");
    Tensor a2 = Te.placeholder(Te.shape(1, 784), DType.F32, "A");
    Tensor w2 = Te.placeholder(Te.shape(512, 784), DType.F32, "W");
    Tensor d2 = X86Computes.compute("dense", Map.of(), List.of(a2, w2)).orElseThrow().get(0);
    PrimFunc small = X86SchedulesTest.lower(X86SchedulesTest.backend(2), List.of(a2, w2), d2, "out_elemwise_fusable", "dense");
    assertThat(small.toString()).doesNotContain("parallel for").contains("W[ramp(");
  }

  @Test
  void kBelowOneVectorKeepsTheGenericCompute() {
    Tensor a = Te.placeholder(Te.shape(1, 7), DType.F32, "A");
    Tensor w = Te.placeholder(Te.shape(3, 7), DType.F32, "W");
    assertThat(X86Computes.compute("dense", Map.of(), List.of(a, w))).isEmpty();
  }
}
