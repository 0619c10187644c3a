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
import org.nnvm4j.tensor.topi.Pool;

/**
 * Global average and max pooling ({@link X86Pool}, NCHW and NCHW{c}c), windowed max and average pooling of NCHW{c}c data and windowed max pooling ({@link X86Depthwise}), with
 * a fused relu, against a plain Java reference: odd and square maps, 1x1 maps, batch 2, a map too tall
 * for the row tree (the generic compute), strides 1 to 3, padding, ceil mode, at 1 and 2 threads;
 * tolerance as in {@link X86SchedulesTest} (max is exact).
 */
class X86PoolTest {
  @ParameterizedTest(name = "global {4} pool {0}x{1}x{2}x{3} threads={5}")
  @CsvSource({
      "1,3,7,7,avg,1", "2,5,16,16,avg,2", "1,64,16,16,max,2", "1,4,1,1,avg,1", "1,3,5,9,max,1", "1,1024,7,7,avg,2",
      "1,3,33,5,avg,2", "1,300,14,14,max,2"})
  void globalPoolMatchesJava(int n, int c, int h, int w, String kind, int threads) {
    boolean avg = kind.equals("avg");
    String op = avg ? "global_avg_pool2d" : "global_max_pool2d";
    Tensor data = Te.placeholder(Te.shape(n, c, h, w), DType.F32, "data");
    List<Tensor> mine = X86Computes.compute(op, Map.of(), List.of(data)).orElse(null);
    assertThat(mine != null).as("x86 compute applies").isEqualTo(h <= X86Pool.MAX_ROWS);
    Tensor pool = mine != null ? mine.get(0) : Pool.global(data, avg, op);
    Tensor out = Te.computeN(pool.shape(), i -> IrOps.max(pool.get(i), IrOps.f32(0)), "relu", "", Map.of());
    LlvmBackend backend = X86SchedulesTest.backend(threads);
    PrimFunc f = X86SchedulesTest.lower(backend, List.of(data), out, "out_elemwise_fusable", op);
    float[] x = ParallelLoopTest.random(n * c * h * w, 21);
    double[] ref = new double[n * c], mag = new double[n * c];
    for (int p = 0; p < n * c; p++) {
      double acc = avg ? 0 : Double.NEGATIVE_INFINITY;
      for (int q = 0; q < h * w; q++) {
        float v = x[p * h * w + q];
        acc = avg ? acc + v : Math.max(acc, v);
        mag[p] += avg ? Math.abs(v) / (h * w) : 0;
      }
      ref[p] = Math.max(avg ? acc / (h * w) : acc, 0);
    }
    X86SchedulesTest.assertClose(X86SchedulesTest.run(backend, f, List.of(x), n * c), ref, mag);
  }

  @ParameterizedTest(name = "global {5} pool NCHW{4}c {0}x{1}x{2}x{3} threads={6}")
  @CsvSource({
      "1,4,7,7,16,avg,1", "1,64,7,7,16,avg,2", "2,3,5,9,8,max,2", "1,2,1,1,16,avg,1", "1,5,16,16,12,avg,2", "1,1,3,3,3,max,1"})
  void blockedGlobalPoolMatchesJava(int n, int cb, int h, int w, int c, String kind, int threads) {
    boolean avg = kind.equals("avg");
    String op = avg ? "global_avg_pool2d" : "global_max_pool2d";
    Tensor data = Te.placeholder(Te.shape(n, cb, h, w, c), DType.F32, "data");
    Tensor pool = X86Computes.compute(op, Map.of("layout", "NCHW" + c + "c"), List.of(data)).orElseThrow().get(0);
    Tensor out = Te.computeN(pool.shape(), i -> IrOps.max(pool.get(i), IrOps.f32(0)), "relu", "", Map.of());
    LlvmBackend backend = X86SchedulesTest.backend(threads);
    PrimFunc f = X86SchedulesTest.lower(backend, List.of(data), out, "out_elemwise_fusable", op);
    float[] x = ParallelLoopTest.random(n * cb * h * w * c, 23);
    double[] ref = new double[n * cb * c], mag = new double[ref.length];
    for (int p = 0; p < n * cb; p++) for (int ci = 0; ci < c; ci++) {
      double acc = avg ? 0 : Double.NEGATIVE_INFINITY;
      for (int q = 0; q < h * w; q++) {
        float v = x[(p * h * w + q) * c + ci];
        acc = avg ? acc + v : Math.max(acc, v);
        mag[p * c + ci] += avg ? Math.abs(v) / (h * w) : 0;
      }
      ref[p * c + ci] = Math.max(avg ? acc / (h * w) : acc, 0);
    }
    X86SchedulesTest.assertClose(X86SchedulesTest.run(backend, f, List.of(x), ref.length), ref, mag);
  }

  @Test
  void blockedGlobalPoolReadsVectorsInParallel() {
    Tensor data = Te.placeholder(Te.shape(1, 64, 14, 14, 16), DType.F32, "data");
    Tensor out = X86Computes.compute("global_avg_pool2d", Map.of("layout", "NCHW16c"), List.of(data)).orElseThrow().get(0);
    String text = X86SchedulesTest.lower(X86SchedulesTest.backend(2), List.of(data), out, "out_elemwise_fusable", "pool").toString();
    assertThat(text).contains("parallel for").contains("data[ramp(").contains("global_avg_pool2d_acc[ramp(");
  }

  @ParameterizedTest(name = "{8} pool NCHW{4}c {0}x{1}x{2}x{3} window {5} stride {6} pad {7} ceil {9} include-pad {10} relu {11} threads={12}")
  @CsvSource({
      "1,4,112,112,16,3,2,1,max,false,false,false,2", "1,3,13,11,8,3,1,1,max,false,false,true,1", "2,2,9,8,16,2,2,0,avg,false,false,false,2",
      "1,2,10,7,8,3,2,1,avg,true,false,true,1", "1,1,7,7,16,3,1,1,avg,false,true,false,2", "1,2,5,5,3,5,1,2,max,false,false,true,1",
      "1,1,1,1,8,1,1,0,avg,false,false,false,1"})
  void blockedWindowPoolMatchesJava(int n, int cb, int h, int w, int c, int k, int s, int p, String kind, boolean ceil, boolean includePad,
      boolean relu, int threads) {
    boolean avg = kind.equals("avg");
    Tensor data = Te.placeholder(Te.shape(n, cb, h, w, c), DType.F32, "data");
    Tensor pool = Pool.pool2d(data, new Pool.Params(new int[] {k, k}, new int[] {s, s}, new int[] {p, p}, ceil, includePad), avg, kind + "_pool2d");
    Tensor out = relu ? Te.computeN(pool.shape(), i -> IrOps.max(pool.get(i), IrOps.f32(0)), "relu", "", Map.of()) : pool;
    LlvmBackend backend = X86SchedulesTest.backend(threads);
    PrimFunc f = X86SchedulesTest.lower(backend, List.of(data), out, "out_elemwise_fusable", kind + "_pool2d");
    assertThat(f.toString()).as("the channel block is read as vectors").contains("data[ramp(");
    int oh = (int) Pool.outExtent(h, k, s, p, ceil), ow = (int) Pool.outExtent(w, k, s, p, ceil);
    float[] x = ParallelLoopTest.random(n * cb * h * w * c, 24);
    double[] ref = new double[n * cb * oh * ow * c], mag = new double[ref.length];
    for (int b = 0; b < n * cb; b++) for (int yy = 0; yy < oh; yy++) for (int xx = 0; xx < ow; xx++) for (int ci = 0; ci < c; ci++) {
      double acc = avg ? 0 : Double.NEGATIVE_INFINITY;
      int inside = 0;
      for (int ky = 0; ky < k; ky++) for (int kx = 0; kx < k; kx++) {
        int iy = yy * s + ky - p, ix = xx * s + kx - p;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
        float v = x[((b * h + iy) * w + ix) * c + ci];
        acc = avg ? acc + v : Math.max(acc, v);
        inside++;
      }
      int o = ((b * oh + yy) * ow + xx) * c + ci;
      double v = avg ? acc / Math.max(1, includePad ? k * k : inside) : acc;
      ref[o] = relu ? Math.max(v, 0) : v;
      mag[o] = avg ? 1 : 0;
    }
    X86SchedulesTest.assertClose(X86SchedulesTest.run(backend, f, List.of(x), ref.length), ref, mag);
  }

  @ParameterizedTest(name = "max pool {0}x{1}x{2}x{3} window {4} stride {5} pad {6} ceil {7} threads={8}")
  @CsvSource({
      "1,64,112,112,3,2,1,false,2", "1,3,13,11,3,1,1,false,1", "2,5,9,8,2,2,0,false,2", "1,4,10,7,3,2,1,true,1",
      "1,2,5,5,5,1,2,false,2", "1,3,8,8,3,3,0,true,1", "1,1,1,1,1,1,0,false,1"})
  void maxPoolMatchesJava(int n, int c, int h, int w, int k, int s, int p, boolean ceil, int threads) {
    Tensor data = Te.placeholder(Te.shape(n, c, h, w), DType.F32, "data");
    Map<String, String> attrs = Map.of("pool_size", "(" + k + ", " + k + ")", "strides", "(" + s + ", " + s + ")",
        "padding", "(" + p + ", " + p + ")", "ceil_mode", ceil ? "True" : "False");
    Tensor pool = X86Computes.compute("max_pool2d", attrs, List.of(data)).orElseThrow().get(0);
    Tensor out = Te.computeN(pool.shape(), i -> IrOps.max(pool.get(i), IrOps.f32(0)), "relu", "", Map.of());
    LlvmBackend backend = X86SchedulesTest.backend(threads);
    PrimFunc f = X86SchedulesTest.lower(backend, List.of(data), out, "out_elemwise_fusable", "max_pool2d");
    int oh = (int) Pool.outExtent(h, k, s, p, ceil), ow = (int) Pool.outExtent(w, k, s, p, ceil);
    float[] x = ParallelLoopTest.random(n * c * h * w, 22);
    double[] ref = new double[n * c * oh * ow];
    for (int b = 0; b < n * c; b++) for (int yy = 0; yy < oh; yy++) for (int xx = 0; xx < ow; xx++) {
      double m = Double.NEGATIVE_INFINITY;
      for (int ky = 0; ky < k; ky++) for (int kx = 0; kx < k; kx++) {
        int iy = yy * s + ky - p, ix = xx * s + kx - p;
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) m = Math.max(m, x[(b * h + iy) * w + ix]);
      }
      ref[(b * oh + yy) * ow + xx] = Math.max(m, 0);
    }
    X86SchedulesTest.assertClose(X86SchedulesTest.run(backend, f, List.of(x), ref.length), ref, new double[ref.length]);
  }
}
