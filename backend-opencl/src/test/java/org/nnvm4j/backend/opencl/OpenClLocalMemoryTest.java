package org.nnvm4j.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.Nn;
import org.nnvm4j.tensor.topi.Pool;
import org.nnvm4j.tensor.topi.Reduction;

/**
 * The schedules that use local memory and barriers, run on the OpenCL device: work-group reductions (sum,
 * max, min, product, softmax and log_softmax, global pooling) and dense tiled into local memory, each on
 * several shapes, sizes that do not divide the work-group among them, against the interpreter running the
 * same computation under the default (serial) schedule.
 */
class OpenClLocalMemoryTest extends DeviceCheck {
  @Test
  void rowReductionsRunAsWorkGroupTreesInLocalMemory() {
    long[][] shapes = {{5, 300}, {3, 64}, {1, 1000}, {7, 129}, {4, 65}, {2, 100}};
    for (Reduction.Kind kind : List.of(Reduction.Kind.SUM, Reduction.Kind.MAX, Reduction.Kind.MIN, Reduction.Kind.PROD)) {
      for (long[] sh : shapes) {
        Tensor a = Te.placeholder(Te.shape(sh), DType.F32, "A");
        Tensor r = Reduction.reduce(a, new boolean[] {false, true}, false, kind, "R");
        // a product of hundreds of values in [-2, 2) over- or underflows; scale them towards 1
        // the tree sums in another order than the serial loop: errors scale with the terms, |x| <= 2, not the result
        double rtol = kind == Reduction.Kind.SUM ? 1e-5 : kind == Reduction.Kind.PROD ? 2e-4 : 0;
        double atol = kind == Reduction.Kind.SUM ? sh[1] * 2 * Math.ulp(1f) : 1e-6;
        String src = check("r_" + kind.name().toLowerCase() + "_" + sh[0] + "_" + sh[1], List.of(a), r, "comm_reduce",
            kind == Reduction.Kind.PROD ? 0.15 : 0, rtol, atol);
        assertThat(src).as("%s %s", kind, java.util.Arrays.toString(sh)).contains("__local float R_red[64];")
            .contains("barrier(CLK_LOCAL_MEM_FENCE);");
      }
    }
  }

  @Test
  void aFullReductionToAScalarAndAReductionOverTheLeadingAxisUseOneWorkGroupPerOutput() {
    Tensor a = Te.placeholder(Te.shape(3, 77, 5), DType.F32, "A");
    Tensor all = Reduction.reduce(a, new boolean[] {true, true, true}, false, Reduction.Kind.SUM, "S");
    assertThat(check("sum_all", List.of(a), all, "comm_reduce", 0, 1e-5, 3 * 77 * 5 * 2 * Math.ulp(1f))).contains("get_local_id(0)");
    Tensor lead = Reduction.reduce(a, new boolean[] {false, true, false}, true, Reduction.Kind.MAX, "M");
    check("max_mid", List.of(a), lead, "comm_reduce", 0, 0);
  }

  @Test
  void aMeanToRankZeroSumsInOneWorkGroupAndDividesInOneWorkItem() {
    for (long[] sh : new long[][] {{3, 7}, {1, 1}, {5, 40}}) {
      Tensor a = Te.placeholder(Te.shape(sh), DType.F32, "A");
      Tensor mean = Reduction.reduce(a, new boolean[] {true, true}, false, Reduction.Kind.MEAN, "M");
      String src = check("mean0_" + sh[0] + "_" + sh[1], List.of(a), mean, "comm_reduce", 0, 1e-5, sh[0] * sh[1] * 2 * Math.ulp(1f));
      assertThat(src).contains("__kernel void mean0_" + sh[0] + "_" + sh[1] + "_kernel1(").contains("  M[0] = ").contains("M_sum[0]");
    }
  }

  @Test
  void shortReductionsStayOneWorkItemPerOutput() {
    Tensor a = Te.placeholder(Te.shape(37, 50), DType.F32, "A");
    Tensor r = Reduction.reduce(a, new boolean[] {false, true}, false, Reduction.Kind.SUM, "R");
    assertThat(check("short_sum", List.of(a), r, "comm_reduce", 0, 1e-5)).doesNotContain("__local").doesNotContain("barrier");
  }

  @Test
  void softmaxAndLogSoftmaxReduceTheirRowsAcrossTheWorkGroup() {
    long[][] shapes = {{3, 100}, {2, 257}, {5, 64}, {1, 1000}};
    for (boolean log : List.of(false, true)) {
      for (long[] sh : shapes) {
        Tensor x = Te.placeholder(Te.shape(sh), DType.F32, "X");
        Tensor y = Nn.softmax(x, 1, log, "Y");
        String src = check((log ? "logsoftmax_" : "softmax_") + sh[1], List.of(x), y, "opaque", 0, 1e-5);
        assertThat(src).contains("__local float Y_max_red[64];").contains("__local float Y_sum_red[64];");
      }
    }
    Tensor x = Te.placeholder(Te.shape(130, 3), DType.F32, "X");
    check("softmax_axis0", List.of(x), Nn.softmax(x, 0, false, "Y"), "opaque", 0, 1e-5);
  }

  @Test
  void globalPoolingReducesEachChannelInOneWorkGroup() {
    long[][] shapes = {{2, 3, 9, 9}, {1, 4, 16, 16}, {1, 2, 7, 11}};
    for (boolean avg : List.of(true, false)) {
      for (long[] sh : shapes) {
        Tensor x = Te.placeholder(Te.shape(sh), DType.F32, "X");
        Tensor y = Pool.global(x, avg, "P");
        assertThat(check((avg ? "gavg_" : "gmax_") + sh[2] + "x" + sh[3], List.of(x), y, "out_elemwise_fusable", 0, 1e-5))
            .contains("barrier(CLK_LOCAL_MEM_FENCE);");
      }
    }
  }

  @Test
  void windowedPoolingRunsOneWorkItemPerOutput() {
    for (long[] sh : new long[][] {{1, 3, 11, 10}, {2, 2, 8, 8}}) {
      Tensor x = Te.placeholder(Te.shape(sh), DType.F32, "X");
      for (boolean avg : List.of(true, false)) {
        Tensor p = Pool.pool2d(x, new Pool.Params(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, false, false), avg, "P");
        assertThat(check((avg ? "avgpool_" : "maxpool_") + sh[2], List.of(x), p, "out_elemwise_fusable", 0, 1e-5))
            .doesNotContain("barrier");
      }
    }
  }

  @Test
  void conv2dKeepsTheWeightsOfItsChannelsInLocalMemoryAndChannelsInRegisters() {
    // {N, C, H, W, OC, K, pad, stride, groups}: channels that do not fill a work-group, 1x1, stride 2, groups
    long[][] cases = {{1, 3, 11, 10, 5, 3, 1, 1, 1}, {2, 8, 9, 9, 16, 3, 1, 1, 1}, {1, 6, 8, 8, 12, 1, 0, 1, 1},
        {1, 4, 12, 12, 8, 3, 0, 2, 1}, {1, 4, 7, 7, 6, 3, 1, 1, 2}};
    for (long[] c : cases) {
      Tensor x = Te.placeholder(Te.shape(c[0], c[1], c[2], c[3]), DType.F32, "X");
      Tensor w = Te.placeholder(Te.shape(c[4], c[1] / c[8], c[5], c[5]), DType.F32, "W");
      int pad = (int) c[6];
      int stride = (int) c[7];
      Tensor y = Conv2d.nchw(x, w, new Conv2d.Params(new int[] {stride, stride}, new int[] {pad, pad}, new int[] {1, 1},
          (int) c[8]), "C");
      double atol = c[1] / c[8] * c[5] * c[5] * 4 * Math.ulp(1f);
      String src = check("conv_" + c[1] + "_" + c[4] + "_" + c[5] + "_" + c[7] + "_" + c[8], List.of(x, w), y, "out_elemwise_fusable", 0, 1e-5, atol);
      assertThat(src).as(java.util.Arrays.toString(c)).contains("__local float W_shared[").contains("  float C_local[2];")
          .contains("barrier(CLK_LOCAL_MEM_FENCE);");
    }
  }

  @Test
  void conv2dWithBiasAndReluIsOneKernel() {
    Tensor x = Te.placeholder(Te.shape(1, 3, 16, 16), DType.F32, "X");
    Tensor w = Te.placeholder(Te.shape(8, 3, 3, 3), DType.F32, "W");
    Tensor b = Te.placeholder(Te.shape(8), DType.F32, "B");
    Tensor c = Conv2d.nchw(x, w, new Conv2d.Params(new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1), "C");
    Tensor y = Te.computeN(c.shape(), i -> IrOps.max(IrOps.add(c.get(i), b.get(List.of(i.get(1)))), IrOps.f32(0)), "Y", "",
        Map.of());
    String src = check("conv_bias_relu", List.of(x, w, b), y, "out_elemwise_fusable", 0, 1e-5, 27 * 4 * Math.ulp(1f));
    assertThat(src).contains("  float C[2];").doesNotContain("_kernel1");
  }

  @Test
  void denseIsTiledIntoLocalMemoryWithARegisterTilePerWorkItem() {
    long[][] mkn = {{16, 32, 16}, {37, 50, 29}, {64, 128, 64}, {17, 7, 3}, {33, 8, 40}};
    for (long[] d : mkn) {
      Tensor a = Te.placeholder(Te.shape(d[0], d[1]), DType.F32, "A");
      Tensor w = Te.placeholder(Te.shape(d[2], d[1]), DType.F32, "W");
      Tensor y = Nn.dense(a, w, "D");
      // a dot product of K terms |a*b| <= 4 in float: the device may contract to fma, so the error scale is K * 4 * eps
      double atol = d[1] * 4 * Math.ulp(1f);
      String src = check("dense_" + d[0] + "_" + d[1] + "_" + d[2], List.of(a, w), y, "out_elemwise_fusable", 0, 1e-5, atol);
      assertThat(src).contains("__local float A_shared[128];").contains("__local float W_shared[128];")
          .contains("  float D_local[4];").contains("barrier(CLK_LOCAL_MEM_FENCE);");
    }
  }

  @Test
  void denseWithBiasAndReluKeepsItsAccumulatorInRegistersAndStoresOnlyTheOutput() {
    Tensor a = Te.placeholder(Te.shape(40, 70), DType.F32, "A");
    Tensor w = Te.placeholder(Te.shape(24, 70), DType.F32, "W");
    Tensor b = Te.placeholder(Te.shape(24), DType.F32, "B");
    Tensor d = Nn.dense(a, w, "D");
    Tensor y = Te.compute(d.shape(), (i, j) -> IrOps.max(IrOps.add(d.get(i, j), b.get(j)), IrOps.f32(0)), "Y");
    String src = check("dense_bias_relu", List.of(a, w, b), y, "out_elemwise_fusable", 0, 1e-5, 70 * 4 * Math.ulp(1f));
    assertThat(src).contains("  float D[4];").doesNotContain("__global float* restrict D").doesNotContain("_kernel1");
  }

  @Test
  void denseWithFewRowsTakesTheWorkGroupReductionInstead() {
    Tensor a = Te.placeholder(Te.shape(1, 300), DType.F32, "A");
    Tensor w = Te.placeholder(Te.shape(10, 300), DType.F32, "W");
    String src = check("dense_batch1", List.of(a, w), Nn.dense(a, w, "D"), "out_elemwise_fusable", 0, 1e-5, 300 * 4 * Math.ulp(1f));
    assertThat(src).contains("__local float D_red[64];").doesNotContain("A_shared");
  }

  /**
   * Schedules {@code out} with the opencl strategy, runs it on the device on random inputs ({@code scale}
   * narrows them to {@code 1 +- scale} when not 0) and compares it with the interpreter under the default
   * schedule. Returns the OpenCL C.
   */
  static String check(String name, List<Tensor> inputs, Tensor out, String pattern, double scale, double rtol) {
    return check(name, inputs, out, pattern, scale, rtol, 1e-6);
  }

  static String check(String name, List<Tensor> inputs, Tensor out, String pattern, double scale, double rtol,
      double atol) {
    List<Tensor> args = new ArrayList<>(inputs);
    args.add(out);
    PrimFunc f = Lower.lower(backend.schedule(new ScheduleRequest(List.of(out), pattern, name, Map.of())), args, name);
    PrimFunc ref = Lower.lower(Schedule.create(out.op()), args, name);
    List<Shape> shapes = args.stream().map(t -> Shape.of(t.shape().stream().mapToLong(e -> IrOps.asLong(e)).toArray())).toList();
    try (Module m = backend.codegen(List.of(f), PassContext.defaults())) {
      DeviceCheck.assertMatches(backend.runtime(), f, m, ref, shapes, rtol, atol, scale);
      return m.source("cl");
    }
  }
}
