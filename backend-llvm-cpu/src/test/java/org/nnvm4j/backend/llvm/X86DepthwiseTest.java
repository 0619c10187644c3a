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
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * Depthwise conv2d ({@link X86Depthwise}) with bias and relu against the plain Java reference of
 * {@link X86SchedulesTest}: MobileNet-like layers, strides 1 to 3, channel multipliers 1 to 3, dilation,
 * padding 0 to 2, odd and non-square sizes, batch 2, at 1 and 2 threads.
 */
class X86DepthwiseTest {
  @ParameterizedTest(name = "depthwise n{0} c{1} {2}x{3} o{4} k{5}x{6} s{7} p{8} d{9} threads={11}")
  @CsvSource({
      "1,16,32,32,16,3,3,1,1,1,16,1",
      "1,32,32,32,32,3,3,2,1,1,32,2",
      "2,5,13,11,10,3,3,1,1,1,5,2",
      "1,3,17,19,9,5,5,2,2,1,3,1",
      "1,8,9,7,8,3,3,1,2,2,8,2",
      "1,4,6,5,4,3,2,1,0,1,4,1",
      "1,24,7,7,24,3,3,1,1,1,24,2",
      "1,8,20,40,8,3,3,3,1,1,8,1",
      "1,2,1,1,2,3,3,1,1,1,2,1",
      "1,3,5,4,6,3,3,2,2,2,3,2",
      "1,2,3,3,2,5,5,1,2,1,2,1",
      "1,3,9,37,3,3,3,2,1,1,3,2",
      "2,4,30,23,4,7,7,3,3,1,4,1"})
  void depthwiseWithBiasAndReluMatchesJava(int n, int c, int h, int wd, int oc, int kh, int kw, int s, int p, int dil, int g,
      int threads) {
    new X86SchedulesTest().conv2dWithBiasAndReluMatchesJava(n, c, h, wd, oc, kh, kw, s, p, dil, g, threads);
  }

  @Test
  void depthwiseIsTiledVectorizedAndParallel() {
    Tensor data = Te.placeholder(Te.shape(1, 32, 56, 56), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(32, 1, 3, 3), DType.F32, "weight");
    Map<String, String> attrs = Map.of("strides", "(2, 2)", "padding", "(1, 1)", "groups", "32");
    Tensor out = X86Computes.compute("conv2d", attrs, List.of(data, weight)).orElseThrow().get(0);
    PrimFunc f = X86SchedulesTest.lower(X86SchedulesTest.backend(2), List.of(data, weight), out, "out_elemwise_fusable", "conv2d");
    String text = f.toString();
    assertThat(text).contains("parallel for").contains("conv2d_rows").contains("conv2d_tile[ramp(");
    assertThat(text).as("stride-2 taps read contiguous vectors of the de-interleaved plane").contains("conv2d_rows[ramp(");
    // 57 padded rows for 28 output rows, 1 guard row above and 2 below for the taps' overshoot; 2 phases of 28 columns
    assertThat(text).as("the taps' buffer is the whole guarded plane").contains("allocate conv2d_rows[float32 * 1 * 1 * 60 * 2 * 28]");
  }

  @Test
  void groupedConvThatIsNotDepthwiseKeepsTheGenericCompute() {
    Tensor data = Te.placeholder(Te.shape(1, 6, 8, 8), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(6, 2, 3, 3), DType.F32, "weight");
    assertThat(X86Computes.compute("conv2d", Map.of("groups", "3"), List.of(data, weight))).isEmpty();
  }
}
