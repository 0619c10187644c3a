package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.backend.llvm.X86SchedulesTest.assertClose;
import static org.nnvm4j.backend.llvm.X86SchedulesTest.backend;
import static org.nnvm4j.backend.llvm.X86SchedulesTest.lower;
import static org.nnvm4j.backend.llvm.X86SchedulesTest.run;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nnvm4j.graph.pass.AlterOpLayout;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.topi.Conv2d;

/**
 * {@code depthwise_conv2d_NCHWc} on x86 ({@link X86DepthwiseNchwc}) with bias and relu against plain Java
 * loops over the blocked arrays: MobileNet-like layers, odd sizes and channel blocks, strides 1 to 3,
 * padding 0 to 3, dilation, channel multipliers 1 to 3, batch 2, at 1 thread (IEEE) and 2 threads with FMA;
 * what the llvm backend proposes to AlterOpLayout for depthwise convs. Tolerance as in {@link X86SchedulesTest}.
 */
class X86DepthwiseNchwcTest {
  @ParameterizedTest(name = "n{0} c{1}/{2} {3}x{4} m{5} ob{6} k{7}x{8} s{9} p{10} d{11} threads={12}")
  @CsvSource({
      "1,32,16,14,14,1,16,3,3,1,1,1,1",
      "1,32,16,15,15,1,16,3,3,2,1,1,2",
      "1,16,8,9,11,1,8,3,3,1,1,1,2",
      "2,24,8,13,7,1,8,3,3,2,1,1,1",
      "1,5,5,10,9,1,5,3,3,1,1,1,1",
      "1,6,3,8,12,1,3,5,5,1,2,1,2",
      "1,16,16,12,12,1,16,3,3,1,2,2,1",
      "1,8,8,9,9,1,8,3,3,3,0,1,2",
      "1,16,16,7,7,1,16,3,3,1,0,1,1",
      "1,8,8,1,1,1,8,3,3,1,1,1,1",
      "1,4,4,6,5,2,8,3,3,1,1,1,2",
      "1,6,3,7,9,3,9,3,2,2,1,1,1",
      "1,16,16,20,11,1,16,7,7,2,3,1,2",
      "1,8,4,5,5,1,8,3,3,1,1,1,1"})
  void depthwiseNchwcWithBiasAndReluMatchesJava(int n, int c, int ib, int h, int wd, int mult, int ob, int kh, int kw, int s, int p,
      int dil, int threads) {
    int oc = c * mult;
    Tensor data = Te.placeholder(Te.shape(n, c / ib, h, wd, ib), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(oc / ob, 1, kh, kw, 1, ob), DType.F32, "weight");
    Tensor bias = Te.placeholder(Te.shape(oc), DType.F32, "bias");
    LlvmBackend backend = backend(threads);
    PrimFunc f = X86PrepackedTest.lowerWithRelu(backend, "depthwise_conv2d_NCHWc", s, p, dil, data, weight, bias);
    assertThat(f.toString()).contains("depthwise_conv2d_NCHWc_tile[ramp(");
    int oh = (int) Conv2d.outExtent(h, kh, s, p, dil), ow = (int) Conv2d.outExtent(wd, kw, s, p, dil);
    float[] x = ParallelLoopTest.random(n * c * h * wd, 4), y = ParallelLoopTest.random(oc * kh * kw, 5);
    float[] z = ParallelLoopTest.random(oc, 6);
    int cb = c / ib, obk = oc / ob;
    double[] ref = new double[n * oc * oh * ow], mag = new double[ref.length];
    // NCHW order of the output; each value lands at its NCHW{ob}c index
    for (int b = 0; b < n; b++) for (int o = 0; o < oc; o++) for (int yy = 0; yy < oh; yy++) for (int xx = 0; xx < ow; xx++) {
      int ci = o / mult, at = (((b * obk + o / ob) * oh + yy) * ow + xx) * ob + o % ob;
      double[] sum = {z[o], Math.abs(z[o])};
      for (int ky = 0; ky < kh; ky++) for (int kx = 0; kx < kw; kx++) {
        int iy = yy * s + ky * dil - p, ix = xx * s + kx * dil - p;
        if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
          double t = (double) x[(((b * cb + ci / ib) * h + iy) * wd + ix) * ib + ci % ib] * y[(((o / ob) * kh + ky) * kw + kx) * ob + o % ob];
          sum[0] += t;
          sum[1] += Math.abs(t);
        }
      }
      ref[at] = Math.max(sum[0], 0);
      mag[at] = sum[1];
    }
    assertClose(run(backend, f, List.of(x, y, z), ref.length), ref, mag);
  }

  @Test
  void mobileNetLayerIsTiledParallelAndReadsAPaddedBufferPerTask() {
    Tensor data = Te.placeholder(Te.shape(1, 2, 112, 112, 16), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(2, 1, 3, 3, 1, 16), DType.F32, "weight");
    Map<String, String> attrs = Map.of("strides", "(1, 1)", "padding", "(1, 1)", "dilation", "(1, 1)");
    Tensor out = X86Computes.compute("depthwise_conv2d_NCHWc", attrs, List.of(data, weight)).orElseThrow().get(0);
    String text = lower(backend(2), List.of(data, weight), out, "out_elemwise_fusable", "depthwise_conv2d_NCHWc").toString();
    assertThat(text).contains("parallel for").contains("depthwise_conv2d_NCHWc_pad[");
    // 8 output rows per task read 10 padded rows of 114 columns (112 rounded up to tiles of 4 columns, plus the 3x3 halo)
    assertThat(text).as("the padded rows of one task").contains("allocate depthwise_conv2d_NCHWc_pad[float32 * 1 * 1 * 10 * 114 * 16]");
    // the tile's taps load the padded buffer without a select: the guards are in the copy only
    assertThat(text.lines().filter(l -> l.trim().startsWith("depthwise_conv2d_NCHWc_tile[ramp(")).toList()).hasSize(4 + 4 * 9)
        .allSatisfy(l -> assertThat(l).doesNotContain("select("));
  }

  private static Optional<AlterOpLayout.Proposal> propose(Map<String, String> attrs, Shape... shapes) {
    return X86Computes.alterOpLayout("conv2d", attrs, List.of(shapes), java.util.Collections.nCopies(shapes.length, DType.F32));
  }

  @Test
  void proposesDepthwiseNchwcWithTheBlocksOfTheNeighbouringConvs() {
    Map<String, String> dw = Map.of("channels", "32", "kernel_size", "(3, 3)", "padding", "(1, 1)", "groups", "32", "use_bias", "True");
    AlterOpLayout.Proposal p = propose(dw, Shape.of(1, 32, 112, 112), Shape.of(32, 1, 3, 3), Shape.of(32)).orElseThrow();
    assertThat(p.op()).isEqualTo("depthwise_conv2d_NCHWc");
    assertThat(p.attrs()).containsEntry("layout", "NCHW16c").containsEntry("kernel_layout", "OIHW1i16o").containsEntry("out_layout", "NCHW16c")
        .containsEntry("padding", "(1, 1)").doesNotContainKey("groups");
    assertThat(p.inputs()).containsExactly(new AlterOpLayout.Change("NCHW", "NCHW16c"), new AlterOpLayout.Change("OIHW", "OIHW1i16o"), null);
    assertThat(p.output()).isEqualTo(new AlterOpLayout.Change("NCHW", "NCHW16c"));
    // the same block as conv2d_NCHWc gives 24 (8) and 6 (all) channels; a multiplier of 2 blocks the output by its own count
    Map<String, String> dw24 = Map.of("channels", "24", "kernel_size", "(3, 3)", "groups", "24");
    assertThat(propose(dw24, Shape.of(1, 24, 8, 8), Shape.of(24, 1, 3, 3)).orElseThrow().attrs()).containsEntry("layout", "NCHW8c");
    assertThat(propose(Map.of("groups", "6"), Shape.of(1, 6, 8, 8), Shape.of(12, 1, 3, 3)).orElseThrow().attrs())
        .containsEntry("layout", "NCHW6c").containsEntry("kernel_layout", "OIHW1i12o").containsEntry("out_layout", "NCHW12c");
    assertThat(propose(Map.of("groups", "17"), Shape.of(1, 17, 8, 8), Shape.of(17, 1, 3, 3))).as("17 channels: no block").isEmpty();
    assertThat(propose(Map.of("groups", "2"), Shape.of(1, 4, 8, 8), Shape.of(4, 2, 3, 3))).as("grouped, not depthwise").isEmpty();
    assertThat(propose(Map.of("groups", "4", "layout", "NHWC", "kernel_layout", "HWIO"), Shape.of(1, 8, 8, 4), Shape.of(3, 3, 1, 4)))
        .as("NHWC").isEmpty();
  }

  @Test
  void operandsThatDoNotFitNameTheOp() {
    Tensor data = Te.placeholder(Te.shape(1, 2, 8, 8, 4), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(1, 1, 3, 3, 1, 4), DType.F32, "weight");
    assertThatThrownBy(() -> X86Computes.compute("depthwise_conv2d_NCHWc", Map.of(), List.of(data, weight)))
        .isInstanceOf(CompileException.class).hasMessageContaining("depthwise_conv2d_NCHWc: data [1, 2, 8, 8, 4] (NCHWc) and weight "
            + "[1, 1, 3, 3, 1, 4] (OIHW1i{o}o) do not fit");
  }
}
