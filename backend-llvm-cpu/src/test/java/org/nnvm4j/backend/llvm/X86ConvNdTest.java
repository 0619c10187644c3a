package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.topi.ConvNd;

/**
 * The x86 conv1d, conv3d and transposed convs ({@link X86ConvNd}) with bias and a fused relu against a
 * plain Java reference summed in double (the transposed conv as its scatter definition: every input
 * position adds its kernel-weighted copy at {@code q * s + k * d - padBegin}, independent of the phase
 * split under test), over odd sizes, strides 1 to 3, dilation, symmetric and asymmetric padding and output
 * padding, at 1 thread (IEEE) and 2 threads with FMA contraction; tolerance as in {@link X86SchedulesTest}.
 * Per-axis values are written {@code a/b/c}; a single value stands for every axis.
 */
class X86ConvNdTest {
  @ParameterizedTest(name = "{0} n{1} c{2} {3} o{4} k{5} s{6} d{7} pad {8}|{9} outpad {10} bias {11} threads={12}")
  @CsvSource({
      // conv1d
      "conv1d, 1, 3, 17, 20, 3, 1, 1, 1, 1, 0, true, 1",
      "conv1d, 2, 5, 23, 16, 5, 2, 1, 2, 1, 0, true, 2",
      "conv1d, 1, 16, 31, 33, 3, 3, 2, 0, 3, 0, false, 1",
      "conv1d, 1, 8, 9, 7, 1, 1, 1, 0, 0, 0, true, 2",
      "conv1d, 1, 4, 6, 4, 7, 1, 1, 3, 3, 0, true, 1",
      // conv3d
      "conv3d, 1, 3, 5/7/9, 20, 3, 1, 1, 1, 1, 0, true, 1",
      "conv3d, 2, 5, 4/6/11, 16, 3/1/3, 2, 1, 1/0/1, 0/1/2, 0, true, 2",
      "conv3d, 1, 8, 7/5/13, 9, 3, 1/2/3, 2/1/1, 2/1/0, 1, 0, false, 1",
      "conv3d, 1, 16, 4/8/8, 32, 3, 1, 1, 1, 1, 0, true, 2",
      "conv3d, 1, 7, 3/9/10, 24, 3/3/1, 1/1/2, 1, 1/1/0, 1, 0, true, 1",
      // transposed
      "conv1d_transpose, 1, 3, 9, 5, 4, 2, 1, 1, 1, 0, true, 1",
      "conv1d_transpose, 2, 7, 13, 17, 3, 2, 1, 0, 2, 1, true, 2",
      "conv1d_transpose, 1, 5, 8, 16, 5, 3, 1, 2, 1, 2, false, 1",
      "conv1d_transpose, 1, 4, 11, 6, 3, 1, 2, 1, 0, 0, true, 2",
      "conv1d_transpose, 1, 4, 7, 9, 3, 2, 2, 1, 1, 1, true, 1",
      "conv1d_transpose, 1, 3, 5, 4, 1, 3, 1, 0, 0, 2, true, 2",
      "conv2d_transpose, 1, 5, 1/1, 18, 3, 2, 1, 0, 0, 1, true, 1",
      "conv2d_transpose, 1, 16, 8/8, 8, 4, 2, 1, 1, 1, 0, true, 1",
      "conv2d_transpose, 1, 12, 9/13, 3, 4, 2, 1, 1, 1, 0, true, 2",
      "conv2d_transpose, 2, 5, 7/9, 11, 3, 2, 1, 1/0, 0/2, 1, true, 2",
      "conv2d_transpose, 1, 3, 5/6, 20, 4/3, 3/2, 1, 0, 2/1, 2/0, false, 1",
      "conv2d_transpose, 1, 6, 5/5, 7, 3, 1, 1/2, 1, 1, 0, true, 2",
      "conv2d_transpose, 1, 4, 4/5, 3, 3, 2/3, 2/1, 0/1, 1/0, 1/0, true, 1",
      "conv3d_transpose, 1, 4, 3/5/6, 9, 3, 2, 1, 1, 1, 1, true, 2",
      "conv3d_transpose, 1, 5, 2/4/7, 17, 2/3/4, 1/2/3, 1, 0/1/1, 1/0/2, 0/1/2, true, 1"})
  void matchesJava(String op, int n, int c, String size, int oc, String kernel, String strides, String dilation, String padBegin,
      String padEnd, String outPad, boolean bias, int threads) {
    int r = op.charAt(4) - '0';
    boolean transposed = op.endsWith("_transpose");
    int[] sz = axes(size, r), k = axes(kernel, r);
    ConvNd.Params p = new ConvNd.Params(axes(strides, r), axes(dilation, r), axes(padBegin, r), axes(padEnd, r), 1,
        transposed ? axes(outPad, r) : new int[r]);
    long[] ds = shape(n, c, sz), ws = shape(transposed ? c : oc, transposed ? oc : c, k);
    Tensor data = Te.placeholder(Te.shape(ds), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(ws), DType.F32, "weight");
    Tensor b = Te.placeholder(Te.shape(oc), DType.F32, "bias");
    List<Tensor> args = new ArrayList<>(List.of(data, weight));
    if (bias) args.add(b);
    Tensor conv = X86Computes.compute(op, attrs(p, transposed), args).orElseThrow().get(0);
    long[] os = transposed ? ConvNd.transposeShape(ds, ws, p) : ConvNd.convShape(ds, ws, p);
    assertThat(shapeOf(conv)).containsExactly(os);
    Tensor out = Te.computeN(conv.shape(), i -> IrOps.max(conv.get(i), IrOps.f32(0)), "relu", "", Map.of());
    LlvmBackend backend = X86SchedulesTest.backend(threads);
    PrimFunc f = X86SchedulesTest.lower(backend, args, out, "out_elemwise_fusable", op);
    assertThat(f.toString()).contains("parallel for").contains(op + "_nchwc[ramp(");
    float[] x = ParallelLoopTest.random((int) prod(ds), 1), w = ParallelLoopTest.random((int) prod(ws), 2);
    float[] z = ParallelLoopTest.random(oc, 3);
    List<float[]> inputs = new ArrayList<>(List.of(x, w));
    if (bias) inputs.add(z);
    double[][] ref = reference(ds, ws, os, x, w, bias ? z : new float[oc], p, transposed);
    for (int i = 0; i < ref[0].length; i++) ref[0][i] = Math.max(ref[0][i], 0);
    X86SchedulesTest.assertClose(X86SchedulesTest.run(backend, f, inputs, ref[0].length), ref[0], ref[1]);
  }

  /**
   * A strided transposed conv runs as sub-convs of its output phases: the product reduces over ceil(K/s)
   * taps per axis (4x4 stride 2: 2x2, a quarter of the zero-dilated form's 16) and the 2 phases of the
   * last axis share one tile of the unrolled, vectorized micro-kernel.
   */
  @Test
  void stridedTransposedConvMultipliesNoInsertedZeros() {
    Tensor data = Te.placeholder(Te.shape(1, 32, 16, 16), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(32, 32, 4, 4), DType.F32, "weight");
    ConvNd.Params p = new ConvNd.Params(new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, new int[2]);
    Tensor out = X86Computes.compute("conv2d_transpose", attrs(p, true), List.of(data, weight)).orElseThrow().get(0);
    assertThat(shapeOf(out)).containsExactly(1, 32, 32, 32);
    Schedule s = X86SchedulesTest.backend(1).schedule(new ScheduleRequest(List.of(out), "out_elemwise_fusable", "conv2d_transpose",
        Map.of()));
    ComputeOp product = null;
    for (Stage st : s.stages()) if (st.op() instanceof ComputeOp op && op.tag().equals(X86Computes.CONV_BLOCKED)) product = op;
    assertThat(product).isNotNull();
    assertThat(X86Schedules.extents(product.reduceAxis())).containsExactly(32, 2, 2);
    // [N, 32/16, 2 phases, 16 rows, 2 phases, 16 columns (4 tiles of 4), 16 channels]
    assertThat(X86Schedules.extents(product.axis())).containsExactly(1, 2, 2, 16, 2, 16, 16);
    assertThat(product.attrs()).containsEntry(X86ConvNd.TILE_PHASES, 2).containsEntry(X86Computes.TILE_COLS, 4);
    String text = X86SchedulesTest.lower(X86SchedulesTest.backend(1), List.of(data, weight), out, "out_elemwise_fusable",
        "conv2d_transpose").toString();
    assertThat(text).as("one tile holds both phases of 4 columns x 16 channels")
        .contains("allocate conv2d_transpose_nchwc[float32 * 1 * 1 * 1 * 1 * 2 * 4 * 16]");
  }

  /** 24 output channels run in 3 blocks of one vector (16 would waste a quarter), 12 columns per tile; 32 in 2 blocks of 16. */
  @Test
  void outputChannelsAreBlockedBy16Or8() {
    assertThat(X86ConvNd.outputBlock(32)).isEqualTo(16);
    assertThat(X86ConvNd.outputBlock(24)).isEqualTo(8);
    assertThat(X86ConvNd.outputBlock(3)).isEqualTo(8);
    assertThat(X86ConvNd.outputBlock(20)).isEqualTo(16);
    Tensor data = Te.placeholder(Te.shape(1, 8, 4, 6, 24), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(24, 8, 3, 3, 3), DType.F32, "weight");
    Map<String, String> a = attrs(ConvNd.Params.of(new int[] {1, 1, 1}, new int[] {1, 1, 1}, new int[] {1, 1, 1}, new int[] {1, 1, 1}, 1),
        false);
    Tensor out = X86Computes.compute("conv3d", a, List.of(data, weight)).orElseThrow().get(0);
    String text = X86SchedulesTest.lower(X86SchedulesTest.backend(1), List.of(data, weight), out, "out_elemwise_fusable", "conv3d")
        .toString();
    assertThat(text).contains("allocate conv3d_kernel_pack[float32 * 3 * 3 * 3 * 3 * 8 * 8]")
        .contains("allocate conv3d_nchwc[float32 * 1 * 1 * 1 * 1 * 12 * 8]");
  }

  /** Attributes left out take the op's defaults (stride, dilation 1, no padding), as in the graph. */
  @Test
  void missingAttributesTakeTheDefaults() {
    Tensor data = Te.placeholder(Te.shape(1, 3, 10), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(5, 3, 4), DType.F32, "weight");
    Tensor out = X86Computes.compute("conv1d", Map.of(), List.of(data, weight)).orElseThrow().get(0);
    assertThat(shapeOf(out)).containsExactly(1, 5, 7);
  }

  @Test
  void groupedOrChannelsLastConvsKeepTheGenericCompute() {
    Tensor data = Te.placeholder(Te.shape(1, 6, 8), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(6, 2, 3), DType.F32, "weight");
    Map<String, String> grouped = new LinkedHashMap<>(attrs(ConvNd.Params.of(new int[] {1}, new int[] {1}, new int[1], new int[1], 3),
        false));
    assertThat(X86Computes.compute("conv1d", grouped, List.of(data, weight))).isEmpty();
    Map<String, String> nwc = new LinkedHashMap<>(attrs(ConvNd.Params.of(new int[] {1}, new int[] {1}, new int[1], new int[1], 1), false));
    nwc.put("layout", "NWC");
    assertThat(X86Computes.compute("conv1d", nwc, List.of(data, Te.placeholder(Te.shape(4, 6, 3), DType.F32, "w")))).isEmpty();
  }

  @Test
  void mismatchedWeightIsACompileErrorNamingTheOp() {
    Tensor data = Te.placeholder(Te.shape(1, 6, 8, 8, 8), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(4, 5, 3, 3, 3), DType.F32, "weight");
    Map<String, String> a = attrs(ConvNd.Params.of(new int[] {1, 1, 1}, new int[] {1, 1, 1}, new int[3], new int[3], 1), false);
    assertThatThrownBy(() -> X86Computes.compute("conv3d", a, List.of(data, weight))).isInstanceOf(CompileException.class)
        .hasMessageContaining("conv3d").hasMessageContaining("[4, 5, 3, 3, 3]");
    Tensor big = Te.placeholder(Te.shape(4, 6, 9, 3, 3), DType.F32, "big");
    assertThatThrownBy(() -> X86Computes.compute("conv3d", a, List.of(data, big))).isInstanceOf(CompileException.class)
        .hasMessageContaining("conv3d: kernel [4, 6, 9, 3, 3] does not fit data [1, 6, 8, 8, 8]");
  }

  private static long[] shapeOf(Tensor t) { return org.nnvm4j.tensor.topi.Topi.constShape(t, "test"); }

  /** The graph attributes of {@code p} (padding as begins then ends). */
  static Map<String, String> attrs(ConvNd.Params p, boolean transposed) {
    int r = p.spatial();
    int[] pad = Arrays.copyOf(p.padBegin(), 2 * r);
    System.arraycopy(p.padEnd(), 0, pad, r, r);
    Map<String, String> a = new LinkedHashMap<>(Map.of("strides", tuple(p.strides()), "dilation", tuple(p.dilation()), "padding", tuple(pad),
        "groups", Integer.toString(p.groups())));
    if (transposed) a.put("output_padding", tuple(p.outputPadding()));
    return a;
  }

  private static String tuple(int[] v) {
    return "(" + String.join(", ", Arrays.stream(v).mapToObj(Integer::toString).toList()) + ")";
  }

  private static int[] axes(String v, int r) {
    int[] t = Arrays.stream(v.trim().split("/")).mapToInt(Integer::parseInt).toArray();
    if (t.length == 1) {
      t = new int[r];
      Arrays.fill(t, Integer.parseInt(v.trim()));
    }
    assertThat(t).hasSize(r);
    return t;
  }

  private static long[] shape(long a, long b, int[] rest) {
    long[] s = new long[rest.length + 2];
    s[0] = a;
    s[1] = b;
    for (int i = 0; i < rest.length; i++) s[i + 2] = rest[i];
    return s;
  }

  private static long prod(long[] s) { return Arrays.stream(s).reduce(1, (a, b) -> a * b); }

  /** The row-major offset of {@code [a, b, pos...]} in {@code shape}. */
  private static int offset(long[] shape, long a, long b, long[] pos) {
    long o = a * shape[1] + b;
    for (int i = 0; i < pos.length; i++) o = o * shape[i + 2] + pos[i];
    return (int) o;
  }

  /** The multi-index of the {@code flat}-th point of {@code dims}. */
  private static long[] point(long flat, long[] dims) {
    long[] p = new long[dims.length];
    for (int i = dims.length - 1; i >= 0; i--) {
      p[i] = flat % dims[i];
      flat /= dims[i];
    }
    return p;
  }

  /** {reference, sum of |terms|}: a conv as a gather, a transposed conv as a scatter, in double, bias included. */
  static double[][] reference(long[] ds, long[] ws, long[] os, float[] x, float[] w, float[] bias, ConvNd.Params p, boolean transposed) {
    int r = p.spatial();
    long[] in = Arrays.copyOfRange(ds, 2, ds.length), k = Arrays.copyOfRange(ws, 2, ws.length), out = Arrays.copyOfRange(os, 2, os.length);
    double[] ref = new double[(int) prod(os)], mag = new double[ref.length];
    for (int b = 0; b < os[0]; b++) for (int o = 0; o < os[1]; o++) for (long q = 0; q < prod(out); q++) {
      int at = offset(os, b, o, point(q, out));
      ref[at] = bias[o];
      mag[at] = Math.abs(bias[o]);
    }
    for (int b = 0; b < os[0]; b++) for (int c = 0; c < ds[1]; c++) for (int o = 0; o < os[1]; o++) {
      for (long t = 0; t < prod(k); t++) {
        long[] tap = point(t, k);
        double wv = transposed ? w[offset(ws, c, o, tap)] : w[offset(ws, o, c, tap)];
        for (long q = 0; q < prod(transposed ? in : out); q++) {
          long[] pos = point(q, transposed ? in : out), other = new long[r];
          boolean inside = true;
          for (int i = 0; i < r; i++) {
            // conv: data position of output pos; transposed: output position of data pos
            other[i] = pos[i] * p.strides()[i] + tap[i] * p.dilation()[i] - p.padBegin()[i];
            inside &= other[i] >= 0 && other[i] < (transposed ? out[i] : in[i]);
          }
          if (!inside) continue;
          double term = wv * (transposed ? x[offset(ds, b, c, pos)] : x[offset(ds, b, c, other)]);
          int at = transposed ? offset(os, b, o, other) : offset(os, b, o, pos);
          ref[at] += term;
          mag[at] += Math.abs(term);
        }
      }
    }
    return new double[][] {ref, mag};
  }
}
