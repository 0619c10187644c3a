package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.topi.Conv2d;

/**
 * The x86 strategy ({@link X86Computes} + {@link X86Schedules}) against plain Java references, over odd
 * sizes, strides, padding, dilation and groups, at 1 thread (IEEE) and 2 threads with
 * {@code -fp-contract=fast} (FMA). Tolerance: float32 sums in the kernel's order against a double
 * reference, {@code |got - ref| <= 1e-5 * sum|terms| + 1e-6}.
 */
class X86SchedulesTest {
  /** Lowers {@code out} with the backend's schedule, as GraphCompile does. */
  static PrimFunc lower(LlvmBackend backend, List<Tensor> args, Tensor out, String pattern, String master) {
    Schedule s = backend.schedule(new ScheduleRequest(List.of(out), pattern, master, Map.of()));
    List<Tensor> all = new ArrayList<>(args);
    all.add(out);
    return Lower.lower(s, all, "f");
  }

  static LlvmBackend backend(int threads) {
    return (LlvmBackend) new LlvmBackendProvider().create(
        new LlvmBackendProvider().targetKind().validate(Target.parse("llvm -num-threads=" + threads
            + (threads == 2 ? " -fp-contract=fast" : ""))));
  }

  static float[] run(LlvmBackend backend, PrimFunc f, List<float[]> inputs, int outLength) {
    try (Module m = backend.codegen(List.of(f), PassContext.defaults())) {
      List<DeviceBuffer> bufs = new ArrayList<>();
      for (float[] in : inputs) bufs.add(ParallelLoopTest.buffer(in));
      DeviceBuffer out = ParallelLoopTest.buffer(new float[outLength]);
      bufs.add(out);
      m.function("f").call(bufs, new long[0]);
      float[] r = out.hostSegment().orElseThrow().toArray(ValueLayout.JAVA_FLOAT);
      bufs.forEach(DeviceBuffer::close);
      return r;
    }
  }

  static void assertClose(float[] got, double[] ref, double[] mag) {
    assertThat(got).hasSize(ref.length);
    for (int i = 0; i < ref.length; i++) {
      double tol = 1e-5 * mag[i] + 1e-6;
      if (Math.abs(got[i] - ref[i]) > tol) {
        throw new AssertionError("element " + i + ": got " + got[i] + ", expected " + ref[i] + " (tolerance " + tol + ")");
      }
    }
  }

  @ParameterizedTest(name = "dense {0}x{1}x{2} threads={3}")
  @CsvSource({"6,16,8,1", "13,37,29,2", "64,64,64,1", "7,5,3,2", "100,72,130,2"})
  void denseWithBiasAndReluMatchesJava(int m, int n, int k, int threads) {
    Tensor a = Te.placeholder(Te.shape(m, k), DType.F32, "A");
    Tensor w = Te.placeholder(Te.shape(n, k), DType.F32, "W");
    Tensor b = Te.placeholder(Te.shape(n), DType.F32, "B");
    Tensor d = X86Computes.compute("dense", Map.of(), List.of(a, w, b)).orElseThrow().get(0);
    Tensor out = Te.compute(d.shape(), (i, j) -> IrOps.max(d.get(i, j), IrOps.f32(0)), "relu");
    LlvmBackend backend = backend(threads);
    PrimFunc f = lower(backend, List.of(a, w, b), out, "out_elemwise_fusable", "dense");
    assertThat(f.toString()).contains("parallel for");
    float[] x = ParallelLoopTest.random(m * k, 1), y = ParallelLoopTest.random(n * k, 2), z = ParallelLoopTest.random(n, 3);
    double[][] ref = denseReference(m, n, k, x, (j, q) -> y[j * k + q], z);
    for (int i = 0; i < ref[0].length; i++) ref[0][i] = Math.max(ref[0][i], 0);
    assertClose(run(backend, f, List.of(x, y, z), m * n), ref[0], ref[1]);
  }

  /** The weight of output column j at reduction index q. */
  interface WeightAt { float at(int j, int q); }

  /** {data [m, k] x weight^T + bias} in double, and the sum of |terms| of each element: {ref, mag}. */
  static double[][] denseReference(int m, int n, int k, float[] x, WeightAt w, float[] z) {
    double[] ref = new double[m * n], mag = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double acc = z[j], ab = Math.abs(z[j]);
        for (int q = 0; q < k; q++) {
          double t = (double) x[i * k + q] * w.at(j, q);
          acc += t;
          ab += Math.abs(t);
        }
        ref[i * n + j] = acc;
        mag[i * n + j] = ab;
      }
    }
    return new double[][] {ref, mag};
  }

  @ParameterizedTest(name = "conv2d n{0} c{1} {2}x{3} o{4} k{5}x{6} s{7} p{8} d{9} g{10} threads={11}")
  @CsvSource({
      "1,3,17,17,20,3,3,1,1,1,1,1",
      "2,5,11,13,16,3,3,2,1,1,1,2",
      "1,8,14,14,33,1,1,2,0,1,1,1",
      "1,4,12,9,7,3,2,1,2,2,1,2",
      "1,16,7,7,32,7,7,1,3,1,1,1",
      "1,6,10,10,9,3,3,1,1,1,3,2",
      "1,4,9,8,4,3,3,2,1,1,4,1"})
  void conv2dWithBiasAndReluMatchesJava(int n, int c, int h, int wd, int oc, int kh, int kw, int s, int p, int dil, int g,
      int threads) {
    Tensor data = Te.placeholder(Te.shape(n, c, h, wd), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(oc, c / g, kh, kw), DType.F32, "weight");
    Tensor bias = Te.placeholder(Te.shape(oc), DType.F32, "bias");
    Map<String, String> attrs = Map.of("strides", "(" + s + ", " + s + ")", "padding", "(" + p + ", " + p + ")",
        "dilation", "(" + dil + ", " + dil + ")", "groups", Integer.toString(g));
    Conv2d.Params params = new Conv2d.Params(new int[] {s, s}, new int[] {p, p}, new int[] {dil, dil}, g);
    Tensor conv = X86Computes.compute("conv2d", attrs, List.of(data, weight, bias))
        .orElseGet(() -> List.of(Conv2d.biasAdd(Conv2d.nchw(data, weight, params, "conv2d"), bias, "conv2d_bias"))).get(0);
    Tensor out = Te.computeN(conv.shape(), i -> IrOps.max(conv.get(i), IrOps.f32(0)), "relu", "", Map.of());
    LlvmBackend backend = backend(threads);
    PrimFunc f = lower(backend, List.of(data, weight, bias), out, "out_elemwise_fusable", "conv2d");
    int ohh = (int) Conv2d.outExtent(h, kh, s, p, dil), oww = (int) Conv2d.outExtent(wd, kw, s, p, dil);
    float[] x = ParallelLoopTest.random(n * c * h * wd, 4), y = ParallelLoopTest.random(oc * (c / g) * kh * kw, 5);
    float[] z = ParallelLoopTest.random(oc, 6);
    int cpg = c / g, opg = oc / g;
    double[] ref = new double[n * oc * ohh * oww], mag = new double[ref.length];
    for (int b = 0; b < n; b++) for (int o = 0; o < oc; o++) for (int yy = 0; yy < ohh; yy++) for (int xx = 0; xx < oww; xx++) {
      double acc = z[o], ab = Math.abs(z[o]);
      for (int ci = 0; ci < cpg; ci++) for (int ky = 0; ky < kh; ky++) for (int kx = 0; kx < kw; kx++) {
        int iy = yy * s + ky * dil - p, ix = xx * s + kx * dil - p;
        if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
        double t = (double) x[((b * c + (o / opg) * cpg + ci) * h + iy) * wd + ix] * y[((o * cpg + ci) * kh + ky) * kw + kx];
        acc += t;
        ab += Math.abs(t);
      }
      int idx = ((b * oc + o) * ohh + yy) * oww + xx;
      ref[idx] = Math.max(acc, 0);
      mag[idx] = ab;
    }
    assertClose(run(backend, f, List.of(x, y, z), ref.length), ref, mag);
  }

  @ParameterizedTest(name = "broadcast add {0}x{1}x{2} threads={3}")
  @CsvSource({"3,17,40,2", "2,5,7,1", "64,32,64,2", "1,1,1,1"})
  void injectiveBroadcastMatchesJava(int a0, int a1, int a2, int threads) {
    Tensor x = Te.placeholder(Te.shape(a0, a1, a2), DType.F32, "x");
    Tensor y = Te.placeholder(Te.shape(a2), DType.F32, "y");
    Tensor t = Te.computeN(x.shape(), i -> IrOps.mul(x.get(i), IrOps.f32(2)), "twice", "", Map.of());
    Tensor out = Te.computeN(x.shape(), i -> IrOps.add(t.get(i), y.get(i.get(2))), "add", "", Map.of());
    LlvmBackend backend = backend(threads);
    PrimFunc f = lower(backend, List.of(x, y), out, "broadcast", "broadcast_add");
    float[] u = ParallelLoopTest.random(a0 * a1 * a2, 7), v = ParallelLoopTest.random(a2, 8);
    double[] ref = new double[u.length], mag = new double[u.length];
    for (int i = 0; i < u.length; i++) ref[i] = u[i] * 2f + v[i % a2];
    assertClose(run(backend, f, List.of(u, v), u.length), ref, mag);
  }

  @ParameterizedTest(name = "sum over axis 1 of {0}x{1}x{2} threads={3}")
  @CsvSource({"3,17,40,2", "64,128,33,2", "1,5,1,1"})
  void reductionMatchesJava(int a0, int a1, int a2, int threads) {
    Tensor x = Te.placeholder(Te.shape(a0, a1, a2), DType.F32, "x");
    IterVar r = Te.reduceAxis(a1, "r");
    Tensor out = Te.compute(Te.shape(a0, a2), (i, j) -> Te.sum(x.get(i, r.var(), j), r), "sum");
    LlvmBackend backend = backend(threads);
    PrimFunc f = lower(backend, List.of(x), out, "comm_reduce", "sum");
    float[] u = ParallelLoopTest.random(a0 * a1 * a2, 9);
    double[] ref = new double[a0 * a2], mag = new double[a0 * a2];
    for (int i = 0; i < a0; i++) for (int q = 0; q < a1; q++) for (int j = 0; j < a2; j++) {
      ref[i * a2 + j] += u[(i * a1 + q) * a2 + j];
      mag[i * a2 + j] += Math.abs(u[(i * a1 + q) * a2 + j]);
    }
    assertClose(run(backend, f, List.of(u), a0 * a2), ref, mag);
  }
}
