package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;
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
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * The x86 computes of the prepacked ops ({@code conv2d_NCHWc}, {@code dense_pack}) with the x86 schedule
 * against plain Java loops over the blocked arrays, over odd sizes, channel blocks of 16, 8 and odd ones,
 * strides, padding and dilation, at 1 thread (IEEE) and 2 threads with FMA; and what the llvm backend
 * proposes to AlterOpLayout. Tolerance as in {@link X86SchedulesTest}.
 */
class X86PrepackedTest {
  @ParameterizedTest(name = "conv2d_NCHWc n{0} c{1}/{2} {3}x{4} o{5}/{6} k{7} s{8} p{9} d{10} threads={11}")
  @CsvSource({
      "1,32,16,9,9,32,16,3,1,1,1,1",
      "2,24,8,11,13,16,16,3,2,1,1,2",
      "1,3,3,17,17,8,8,7,2,3,1,1",
      "1,16,16,7,7,32,16,1,1,0,1,2",
      "1,4,4,10,9,12,12,3,1,2,2,1",
      "1,6,3,8,8,5,5,3,2,0,1,2"})
  void conv2dNchwcWithBiasAndReluMatchesJava(int n, int c, int ib, int h, int wd, int oc, int ob, int k, int s, int p, int dil,
      int threads) {
    Tensor data = Te.placeholder(Te.shape(n, c / ib, h, wd, ib), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(oc / ob, c / ib, k, k, ib, ob), DType.F32, "weight");
    Tensor bias = Te.placeholder(Te.shape(oc), DType.F32, "bias");
    LlvmBackend backend = backend(threads);
    PrimFunc f = lowerWithRelu(backend, "conv2d_NCHWc", s, p, dil, data, weight, bias);
    assertThat(f.toString()).contains("parallel for").doesNotContain("kernel_pack");
    int oh = (h + 2 * p - dil * (k - 1) - 1) / s + 1, ow = (wd + 2 * p - dil * (k - 1) - 1) / s + 1;
    float[] x = ParallelLoopTest.random(n * c * h * wd, 4), y = ParallelLoopTest.random(oc * c * k * k, 5);
    float[] z = ParallelLoopTest.random(oc, 6);
    int cb = c / ib, obk = oc / ob;
    double[] ref = new double[n * oc * oh * ow], mag = new double[ref.length];
    for (int b = 0; b < n; b++) for (int co = 0; co < obk; co++) for (int yy = 0; yy < oh; yy++) for (int xx = 0; xx < ow; xx++) {
      for (int oi = 0; oi < ob; oi++) {
        double acc = z[co * ob + oi], ab = Math.abs(acc);
        for (int ci = 0; ci < cb; ci++) for (int ky = 0; ky < k; ky++) for (int kx = 0; kx < k; kx++) for (int cc = 0; cc < ib; cc++) {
          int iy = yy * s + ky * dil - p, ix = xx * s + kx * dil - p;
          if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
          double t = (double) x[(((b * cb + ci) * h + iy) * wd + ix) * ib + cc]
              * y[(((((co * cb + ci) * k + ky) * k + kx) * ib + cc) * ob) + oi];
          acc += t;
          ab += Math.abs(t);
        }
        int idx = (((b * obk + co) * oh + yy) * ow + xx) * ob + oi;
        ref[idx] = Math.max(acc, 0);
        mag[idx] = ab;
      }
    }
    assertClose(run(backend, f, List.of(x, y, z), ref.length), ref, mag);
  }

  /** Blocked conv {@code op} of square strides, padding and dilation with its bias (the last of {@code args}) and a relu, lowered. */
  static PrimFunc lowerWithRelu(LlvmBackend backend, String op, int s, int p, int dil, Tensor... args) {
    Map<String, String> attrs = Map.of("strides", "(" + s + ", " + s + ")", "padding", "(" + p + ", " + p + ")",
        "dilation", "(" + dil + ", " + dil + ")");
    Tensor conv = X86Computes.compute(op, attrs, List.of(args)).orElseThrow().get(0);
    Tensor out = Te.computeN(conv.shape(), i -> IrOps.max(conv.get(i), IrOps.f32(0)), "relu", "", Map.of());
    return lower(backend, List.of(args), out, "out_elemwise_fusable", op);
  }

  @ParameterizedTest(name = "dense_pack {0}x{1}x{2} block {3} threads={4}")
  @CsvSource({"6,16,8,16,1", "13,40,29,8,2", "64,64,64,16,1", "100,72,130,8,2"})
  void densePackWithBiasMatchesJava(int m, int units, int k, int nb, int threads) {
    Tensor a = Te.placeholder(Te.shape(m, k), DType.F32, "A");
    Tensor w = Te.placeholder(Te.shape(units / nb, k, nb), DType.F32, "W");
    Tensor b = Te.placeholder(Te.shape(units), DType.F32, "B");
    Tensor out = X86Computes.compute("dense_pack", Map.of(), List.of(a, w, b)).orElseThrow().get(0);
    LlvmBackend backend = backend(threads);
    PrimFunc f = lower(backend, List.of(a, w, b), out, "out_elemwise_fusable", "dense_pack");
    assertThat(f.toString()).doesNotContain("weight_pack");
    float[] x = ParallelLoopTest.random(m * k, 1), y = ParallelLoopTest.random(units * k, 2), z = ParallelLoopTest.random(units, 3);
    double[][] ref = X86SchedulesTest.denseReference(m, units, k, x, (j, q) -> y[((j / nb) * k + q) * nb + j % nb], z);
    assertClose(run(backend, f, List.of(x, y, z), m * units), ref[0], ref[1]);
  }

  private static Optional<AlterOpLayout.Proposal> propose(String op, Map<String, String> attrs, Shape... shapes) {
    return X86Computes.alterOpLayout(op, attrs, List.of(shapes), java.util.Collections.nCopies(shapes.length, DType.F32));
  }

  @Test
  void proposesBlocksFromTheChannelCountsAndTheVectorWidth() {
    Map<String, String> conv = Map.of("channels", "64", "kernel_size", "(3, 3)", "padding", "(1, 1)", "use_bias", "True");
    AlterOpLayout.Proposal p = propose("conv2d", conv, Shape.of(1, 3, 224, 224), Shape.of(64, 3, 3, 3), Shape.of(64)).orElseThrow();
    assertThat(p.op()).isEqualTo("conv2d_NCHWc");
    assertThat(p.attrs()).containsEntry("layout", "NCHW3c").containsEntry("kernel_layout", "OIHW3i16o").containsEntry("out_layout", "NCHW16c")
        .containsEntry("padding", "(1, 1)").doesNotContainKey("groups");
    assertThat(p.inputs()).containsExactly(new AlterOpLayout.Change("NCHW", "NCHW3c"), new AlterOpLayout.Change("OIHW", "OIHW3i16o"), null);
    assertThat(p.output()).isEqualTo(new AlterOpLayout.Change("NCHW", "NCHW16c"));
    assertThat(propose("conv2d", conv, Shape.of(1, 24, 8, 8), Shape.of(40, 24, 3, 3), Shape.of(40)).orElseThrow().attrs())
        .containsEntry("kernel_layout", "OIHW8i8o");
    assertThat(propose("conv2d", conv, Shape.of(1, 34, 8, 8), Shape.of(17, 34, 3, 3), Shape.of(17))).as("17 channels: no block").isEmpty();
    assertThat(propose("conv2d", Map.of("groups", "2"), Shape.of(1, 4, 8, 8), Shape.of(4, 2, 3, 3))).as("grouped").isEmpty();
    assertThat(X86Computes.alterOpLayout("conv2d", conv, List.of(Shape.of(1, 3, 8, 8), Shape.of(16, 3, 3, 3)), List.of(DType.F64, DType.F64)))
        .as("float64").isEmpty();
    assertThat(propose("dense", Map.of("units", "1000"), Shape.of(8, 512), Shape.of(1000, 512)).orElseThrow().attrs())
        .containsEntry("weight_layout", "NK8n");
    assertThat(propose("dense", Map.of("units", "1000"), Shape.of(1, 512), Shape.of(1000, 512))).as("one row: no micro-kernel").isEmpty();
    assertThat(propose("relu", Map.of(), Shape.of(4))).isEmpty();
  }
}
