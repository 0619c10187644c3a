package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.backend.llvm.X86SchedulesTest.assertClose;
import static org.nnvm4j.backend.llvm.X86SchedulesTest.backend;
import static org.nnvm4j.backend.llvm.X86SchedulesTest.lower;
import static org.nnvm4j.backend.llvm.X86SchedulesTest.run;

import java.util.Collections;
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
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * Grouped conv2d on x86 ({@link X86GroupConv}) with bias and relu against plain Java: the NCHW form (weight packed in the
 * kernel; 4 to 7 channels per group at column stride 1 vectorized over columns, {@link X86GroupConvColumns}) through
 * {@link X86SchedulesTest}'s grouped reference, and {@code group_conv2d_NCHWc} over blocked arrays, for
 * groups 2, 4, 32 and odd channel counts (blocks of 16, 8, 4 and 5-7 lanes), strides, padding and dilation, at 1 thread
 * (IEEE) and 2 threads with FMA; and what the llvm backend proposes to AlterOpLayout. Tolerance as in {@link X86SchedulesTest}.
 */
class X86GroupConvTest {
  @ParameterizedTest(name = "grouped n{0} c{1} {2}x{3} o{4} k{5}x{6} s{7} p{8} d{9} g{10} threads={11}")
  @CsvSource({
      "1,8,9,9,8,3,3,1,1,1,2,1",
      "2,32,11,13,64,3,3,2,1,1,4,2",
      "1,128,9,9,128,3,3,1,1,1,32,1",
      "1,10,7,12,10,3,3,1,1,1,2,2",
      "1,9,10,10,18,3,1,1,2,2,3,1",
      "1,6,8,9,14,1,1,1,0,1,2,2",
      "1,48,5,5,96,3,3,2,0,1,4,1",
      "1,4,6,5,8,3,3,1,1,1,2,2",
      "1,8,1,1,16,1,1,1,0,1,2,1",
      "1,8,9,9,8,3,3,2,1,1,2,1",
      "2,12,13,7,12,3,3,2,1,2,2,2",
      "1,8,11,13,8,3,3,1,2,2,2,1",
      "2,21,9,30,21,5,5,1,2,1,3,2"})
  void groupedNchwWithBiasAndReluMatchesJava(int n, int c, int h, int wd, int oc, int kh, int kw, int s, int p, int dil, int g,
      int threads) {
    Tensor data = Te.placeholder(Te.shape(n, c, h, wd), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(oc, c / g, kh, kw), DType.F32, "weight");
    Tensor out = X86Computes.compute("conv2d", Map.of("groups", Integer.toString(g), "padding", "(" + p + ", " + p + ")",
        "strides", "(" + s + ", " + s + ")", "dilation", "(" + dil + ", " + dil + ")"), List.of(data, weight)).orElseThrow().get(0);
    PrimFunc f = lower(backend(threads), List.of(data, weight), out, "out_elemwise_fusable", "conv2d");
    assertThat(f.toString()).as("the product, vectorized").contains("conv2d_product[ramp(");
    boolean columns = oc / g < 8 && s == 1;
    assertThat(f.toString()).as("columns kernel").contains(columns ? "conv2d_pad[ramp(" : "conv2d_kernel_pack");
    new X86SchedulesTest().conv2dWithBiasAndReluMatchesJava(n, c, h, wd, oc, kh, kw, s, p, dil, g, threads);
  }

  @Test
  void groupsOfFewerThanFourOutputChannelsOrNoBlockKeepTheGenericCompute() {
    Tensor data = Te.placeholder(Te.shape(1, 12, 8, 8), DType.F32, "data");
    assertThat(X86Computes.compute("conv2d", Map.of("groups", "4"), List.of(data, Te.placeholder(Te.shape(12, 3, 3, 3), DType.F32, "w"))))
        .as("3 output channels per group").isEmpty();
    Tensor wide = Te.placeholder(Te.shape(1, 4, 8, 8), DType.F32, "data");
    assertThat(X86Computes.compute("conv2d", Map.of("groups", "2"), List.of(wide, Te.placeholder(Te.shape(34, 2, 3, 3), DType.F32, "w"))))
        .as("17 output channels per group: no block from 4 to 16 divides them").isEmpty();
    // the generic compute still serves them: 17 output channels per group, through the x86 schedule
    new X86SchedulesTest().conv2dWithBiasAndReluMatchesJava(1, 4, 8, 8, 34, 3, 3, 1, 1, 1, 2, 1);
  }

  @ParameterizedTest(name = "group_conv2d_NCHWc n{0} c{1}/{2} {3}x{4} o{5} k{6}i{7}o out{8} k{9} s{10} p{11} d{12} g{13} threads={14}")
  @CsvSource({
      "1,128,16,9,9,128,4,4,16,3,1,1,1,32,1",
      "1,16,16,8,7,16,4,4,4,3,1,1,1,4,2",
      "2,32,8,11,13,64,16,8,16,3,2,1,1,2,1",
      "1,256,16,7,7,256,16,16,16,3,1,1,1,8,2",
      "1,12,12,10,9,10,6,5,5,3,1,2,2,2,1",
      "1,24,8,6,6,48,8,16,16,1,1,0,1,3,2",
      "1,18,6,5,9,12,3,4,4,3,2,0,1,3,1"})
  void prepackedWithBiasAndReluMatchesJava(int n, int c, int ib, int h, int wd, int oc, int kib, int ob, int outBlock, int k, int s, int p,
      int dil, int g, int threads) {
    int cpg = c / g, opg = oc / g;
    Tensor data = Te.placeholder(Te.shape(n, c / ib, h, wd, ib), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(oc / ob, cpg / kib, k, k, kib, ob), DType.F32, "weight");
    Tensor bias = Te.placeholder(Te.shape(oc), DType.F32, "bias");
    Map<String, String> attrs = Map.of("strides", "(" + s + ", " + s + ")", "padding", "(" + p + ", " + p + ")",
        "dilation", "(" + dil + ", " + dil + ")", "groups", Integer.toString(g), "out_layout", "NCHW" + outBlock + "c");
    Tensor conv = X86Computes.compute("group_conv2d_NCHWc", attrs, List.of(data, weight, bias)).orElseThrow().get(0);
    Tensor out = Te.computeN(conv.shape(), i -> IrOps.max(conv.get(i), IrOps.f32(0)), "relu", "", Map.of());
    LlvmBackend backend = backend(threads);
    PrimFunc f = lower(backend, List.of(data, weight, bias), out, "out_elemwise_fusable", "group_conv2d_NCHWc");
    assertThat(f.toString()).contains("parallel for").contains("group_conv2d_NCHWc_product[ramp(").doesNotContain("kernel_pack");
    int oh = (h + 2 * p - dil * (k - 1) - 1) / s + 1, ow = (wd + 2 * p - dil * (k - 1) - 1) / s + 1;
    float[] x = ParallelLoopTest.random(n * c * h * wd, 4), y = ParallelLoopTest.random(oc * cpg * k * k, 5);
    float[] z = ParallelLoopTest.random(oc, 6);
    double[] ref = new double[n * oc * oh * ow], mag = new double[ref.length];
    for (int b = 0; b < n; b++) for (int o = 0; o < oc; o++) for (int yy = 0; yy < oh; yy++) for (int xx = 0; xx < ow; xx++) {
      double acc = z[o], ab = Math.abs(acc);
      for (int ci = 0; ci < cpg; ci++) for (int ky = 0; ky < k; ky++) for (int kx = 0; kx < k; kx++) {
        int iy = yy * s + ky * dil - p, ix = xx * s + kx * dil - p;
        if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
        int ch = (o / opg) * cpg + ci;
        double t = (double) x[(((b * (c / ib) + ch / ib) * h + iy) * wd + ix) * ib + ch % ib]
            * y[((((o / ob * (cpg / kib) + ci / kib) * k + ky) * k + kx) * kib + ci % kib) * ob + o % ob];
        acc += t;
        ab += Math.abs(t);
      }
      int idx = (((b * (oc / outBlock) + o / outBlock) * oh + yy) * ow + xx) * outBlock + o % outBlock;
      ref[idx] = Math.max(acc, 0);
      mag[idx] = ab;
    }
    assertClose(run(backend, f, List.of(x, y, z), ref.length), ref, mag);
  }

  @Test
  void anOutputBlockThatSplitsAWeightBlockTakesTheGenericCompute() {
    Tensor data = Te.placeholder(Te.shape(1, 2, 6, 6, 12), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(6, 3, 3, 3, 4, 4), DType.F32, "weight"); // 2 groups of 12 channels, blocks of 4
    assertThat(X86Computes.compute("group_conv2d_NCHWc", Map.of("groups", "2", "out_layout", "NCHW6c"), List.of(data, weight)))
        .as("NCHW6c holds one and a half weight blocks").isEmpty();
    assertThat(X86Computes.compute("group_conv2d_NCHWc", Map.of("groups", "2", "out_layout", "NCHW12c"), List.of(data, weight))).isPresent();
    Tensor thin = Te.placeholder(Te.shape(6, 1, 3, 3, 4, 4), DType.F32, "weight"); // 4 input channels per group, not 12
    assertThatThrownBy(() -> X86Computes.compute("group_conv2d_NCHWc", Map.of("groups", "2", "out_layout", "NCHW12c"), List.of(data, thin)))
        .isInstanceOf(CompileException.class).hasMessageStartingWith("group_conv2d_NCHWc: data [1, 2, 6, 6, 12] (NCHWc), weight [6, 1, 3, 3, 4, 4]"
            + " (OIHWio), groups=2 and output block 12 do not fit");
  }

  private static Optional<AlterOpLayout.Proposal> propose(Map<String, String> attrs, Shape... shapes) {
    return X86Computes.alterOpLayout("conv2d", attrs, List.of(shapes), Collections.nCopies(shapes.length, DType.F32));
  }

  @Test
  void proposesGroupConvNchwcWithTheNeighboursDataBlocks() {
    Map<String, String> resnext = Map.of("channels", "128", "kernel_size", "(3, 3)", "padding", "(1, 1)", "groups", "32", "use_bias", "True");
    assertThat(propose(resnext, Shape.of(1, 128, 56, 56), Shape.of(128, 4, 3, 3), Shape.of(128)))
        .as("4 channels per group, column stride 1: the column kernel, on NCHW").isEmpty();
    Map<String, String> strided = new java.util.HashMap<>(resnext);
    strided.put("strides", "(2, 2)");
    assertThat(propose(strided, Shape.of(1, 128, 56, 56), Shape.of(128, 4, 3, 3), Shape.of(128))).as("strided, 4 per group: NCHW too")
        .isEmpty();
    Map<String, String> resnextS2 = Map.of("channels", "256", "kernel_size", "(3, 3)", "padding", "(1, 1)", "strides", "(2, 2)",
        "groups", "32", "use_bias", "True");
    AlterOpLayout.Proposal p = propose(resnextS2, Shape.of(1, 256, 56, 56), Shape.of(256, 8, 3, 3), Shape.of(256)).orElseThrow();
    assertThat(p.op()).isEqualTo("group_conv2d_NCHWc");
    assertThat(p.attrs()).containsEntry("layout", "NCHW16c").containsEntry("kernel_layout", "OIHW8i8o").containsEntry("out_layout", "NCHW16c")
        .containsEntry("groups", "32").containsEntry("padding", "(1, 1)").containsEntry("strides", "(2, 2)");
    assertThat(p.inputs()).containsExactly(new AlterOpLayout.Change("NCHW", "NCHW16c"), new AlterOpLayout.Change("OIHW", "OIHW8i8o"), null);
    assertThat(p.output()).isEqualTo(new AlterOpLayout.Change("NCHW", "NCHW16c"));
    Map<String, String> g8 = Map.of("channels", "256", "kernel_size", "(3, 3)", "groups", "8");
    assertThat(propose(g8, Shape.of(1, 256, 28, 28), Shape.of(256, 32, 3, 3)).orElseThrow().attrs())
        .containsEntry("kernel_layout", "OIHW16i16o").containsEntry("out_layout", "NCHW16c");
    // 12 output channels per group: one block of 12, which the 24 channels' block of 8 does not hold: the output is NCHW12c
    assertThat(propose(Map.of("channels", "24", "kernel_size", "(3, 3)", "groups", "2"), Shape.of(1, 24, 8, 8), Shape.of(24, 12, 3, 3))
        .orElseThrow().attrs()).containsEntry("kernel_layout", "OIHW12i12o").containsEntry("layout", "NCHW8c").containsEntry("out_layout", "NCHW12c");
    assertThat(propose(Map.of("channels", "12", "groups", "4"), Shape.of(1, 12, 8, 8), Shape.of(12, 3, 3, 3))).as("3 per group").isEmpty();
    assertThat(X86GroupConv.alterOpLayout(Map.of("channels", "32", "groups", "32"), List.of(Shape.of(1, 32, 8, 8), Shape.of(32, 1, 3, 3))))
        .as("depthwise: X86DepthwiseNchwc's").isEmpty();
    assertThat(propose(Map.of("channels", "32", "groups", "32"), Shape.of(1, 32, 8, 8), Shape.of(32, 1, 3, 3)).orElseThrow().op())
        .isEqualTo("depthwise_conv2d_NCHWc");
  }
}
