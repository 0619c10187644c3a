package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.NnOpsTest.assertClose;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * conv1d/conv3d and the transposed convolutions in the TIR interpreter against {@link NdReference}
 * (the transposed form checked against a scatter), over odd extents with strides, dilation, groups
 * and unequal padding; channels-last conv1d/conv3d (NWC/WIO, NDHWC/DHWIO) against the same reference
 * on the arrays permuted to channels first. Tolerance: |a - d| <= 1e-5 + 1e-5 |d| (float32 sums of at
 * most 100 terms).
 */
class ConvNdOpsTest {
  private static String t(int... v) { return OpAttrs.tuple(v); }

  private static Map<String, String> attrs(long channels, long[] k, int[] s, int[] dil, int[] pb, int[] pe, int groups) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("channels", Long.toString(channels));
    a.put("kernel_size", t(Arrays.stream(k).mapToInt(x -> (int) x).toArray()));
    a.put("strides", t(s));
    a.put("dilation", t(dil));
    int[] pad = new int[2 * pb.length];
    System.arraycopy(pb, 0, pad, 0, pb.length);
    System.arraycopy(pe, 0, pad, pb.length, pe.length);
    a.put("padding", t(pad));
    a.put("groups", Integer.toString(groups));
    a.put("use_bias", "False");
    return a;
  }

  private static void checkConv(String op, long[] ds, long[] ws, int[] s, int[] dil, int[] pb, int[] pe, int groups, long seed) {
    NDArray d = random(seed, ds), w = random(seed + 1, ws);
    NdReference.Result want = NdReference.conv(d.toFloatArray(), ds, w.toFloatArray(), ws, s, dil, pb, pe, groups);
    long[] k = Arrays.copyOfRange(ws, 2, ws.length);
    assertClose(run(op, attrs(ws[0], k, s, dil, pb, pe, groups), d, w), Shape.of(want.shape()), want.values());
  }

  @Test
  void conv1dWithStridesDilationAndUnequalPadding() {
    checkConv("conv1d", new long[] {2, 3, 11}, new long[] {4, 3, 3}, new int[] {2}, new int[] {2}, new int[] {2}, new int[] {1}, 1, 1);
    checkConv("conv1d", new long[] {1, 4, 7}, new long[] {6, 2, 2}, new int[] {1}, new int[] {1}, new int[] {0}, new int[] {1}, 2, 3);
  }

  @Test
  void conv3dWithGroupsStridesDilationPadding() {
    checkConv("conv3d", new long[] {1, 2, 5, 4, 3}, new long[] {3, 2, 2, 3, 2}, new int[] {1, 1, 1}, new int[] {1, 1, 1},
        new int[] {0, 0, 0}, new int[] {0, 0, 0}, 1, 5);
    checkConv("conv3d", new long[] {2, 4, 7, 5, 6}, new long[] {4, 2, 3, 2, 3}, new int[] {2, 1, 2}, new int[] {1, 2, 1},
        new int[] {1, 0, 2}, new int[] {0, 1, 1}, 2, 7);
  }

  @Test
  void conv3dAddsBias() {
    NDArray d = random(9, 1, 2, 3, 4, 5), w = random(10, 3, 2, 1, 3, 3), b = random(11, 3);
    NdReference.Result want = NdReference.conv(d.toFloatArray(), d.shape().toArray(), w.toFloatArray(), w.shape().toArray(),
        new int[] {1, 1, 1}, new int[] {1, 1, 1}, new int[] {0, 1, 1}, new int[] {0, 1, 1}, 1);
    float[] v = want.values().clone();
    for (int i = 0; i < v.length; i++) v[i] += b.toFloatArray()[i / 60];
    assertClose(run("conv3d", Map.of("channels", "3", "kernel_size", "(1, 3, 3)", "padding", "(0, 1, 1)"), d, w, b),
        Shape.of(want.shape()), v);
  }

  private static void checkTranspose(int r, long[] ds, long[] ws, int[] s, int[] dil, int[] pb, int[] pe, int[] op, int groups, long seed) {
    NDArray d = random(seed, ds), w = random(seed + 1, ws);
    NdReference.Result want = NdReference.convTranspose(d.toFloatArray(), ds, w.toFloatArray(), ws, s, dil, pb, pe, op, groups);
    Map<String, String> a = attrs(ws[1] * groups, Arrays.copyOfRange(ws, 2, ws.length), s, dil, pb, pe, groups);
    a.put("output_padding", t(op));
    assertClose(run("conv" + r + "d_transpose", a, d, w), Shape.of(want.shape()), want.values());
  }

  @Test
  void conv1dTransposeStridedAndPadded() {
    checkTranspose(1, new long[] {2, 3, 5}, new long[] {3, 2, 3}, new int[] {2}, new int[] {1}, new int[] {1}, new int[] {0},
        new int[] {1}, 1, 21);
    checkTranspose(1, new long[] {1, 1, 3}, new long[] {1, 2, 3}, new int[] {1}, new int[] {1}, new int[] {0}, new int[] {0},
        new int[] {0}, 1, 23);
  }

  @Test
  void conv2dTransposeWithGroupsDilationOutputPadding() {
    checkTranspose(2, new long[] {1, 4, 3, 5}, new long[] {4, 3, 3, 2}, new int[] {3, 2}, new int[] {1, 2}, new int[] {1, 0},
        new int[] {2, 1}, new int[] {2, 1}, 2, 25);
    checkTranspose(2, new long[] {2, 2, 4, 3}, new long[] {2, 1, 2, 2}, new int[] {1, 1}, new int[] {2, 2}, new int[] {0, 0},
        new int[] {0, 0}, new int[] {1, 0}, 1, 27);
  }

  @Test
  void conv3dTranspose() {
    checkTranspose(3, new long[] {1, 2, 3, 2, 3}, new long[] {2, 2, 2, 3, 2}, new int[] {2, 1, 2}, new int[] {1, 1, 2},
        new int[] {0, 1, 1}, new int[] {1, 0, 0}, new int[] {1, 0, 0}, 1, 29);
  }

  @Test
  void conv2dTransposeAddsBias() {
    NDArray d = random(31, 1, 2, 3, 3), w = random(32, 2, 2, 3, 3), b = random(33, 2);
    NdReference.Result want = NdReference.convTranspose(d.toFloatArray(), d.shape().toArray(), w.toFloatArray(), w.shape().toArray(),
        new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}, 1);
    float[] v = want.values().clone();
    int plane = (int) (want.shape()[2] * want.shape()[3]);
    for (int i = 0; i < v.length; i++) v[i] += b.toFloatArray()[i / plane % 2];
    assertClose(run("conv2d_transpose", Map.of("channels", "2", "kernel_size", "(3, 3)", "strides", "(2, 2)", "padding", "(1, 1)"), d, w,
        b), Shape.of(want.shape()), v);
    // NNVM's label for the same weight layout
    assertClose(run("conv2d_transpose", Map.of("channels", "2", "kernel_size", "(3, 3)", "strides", "(2, 2)", "padding", "(1, 1)",
        "kernel_layout", "OIHW"), d, w, b), Shape.of(want.shape()), v);
  }

  /** The permutation of {@code v} (shape {@code shape}) whose axis i is axis {@code perm[i]} of {@code v}. */
  static float[] permute(float[] v, long[] shape, int[] perm) {
    long[] to = new long[shape.length];
    for (int i = 0; i < perm.length; i++) to[i] = shape[perm[i]];
    float[] out = new float[v.length];
    for (int f = 0; f < out.length; f++) {
      int[] at = NdReference.unflat(to, f), src = new int[shape.length];
      for (int i = 0; i < perm.length; i++) src[perm[i]] = at[i];
      out[f] = v[NdReference.flat(shape, src)];
    }
    return out;
  }

  /** {@code shape} permuted as {@link #permute} permutes the values. */
  static long[] permuted(long[] shape, int[] perm) { return Arrays.stream(perm).mapToLong(i -> shape[i]).toArray(); }

  /**
   * A channels-last conv (data {@code [n, spatial..., c]}, weight {@code [k..., c/groups, o]}) against
   * {@link NdReference#conv} of the arrays permuted to channels first, its result permuted back.
   */
  private static void checkChannelsLast(String op, long[] ds, long[] ws, int[] s, int[] dil, int[] pb, int[] pe, int groups, boolean bias,
      long seed) {
    int rank = ds.length, r = rank - 2;
    int[] toFirst = new int[rank], toLast = new int[rank], weightToFirst = new int[rank];
    toFirst[1] = rank - 1;
    weightToFirst[0] = rank - 1;
    weightToFirst[1] = rank - 2;
    for (int i = 0; i < r; i++) {
      toFirst[i + 2] = i + 1;
      toLast[i + 1] = i + 2;
      weightToFirst[i + 2] = i;
    }
    toLast[rank - 1] = 1;
    NDArray d = random(seed, ds), w = random(seed + 1, ws), b = random(seed + 2, ws[rank - 1]);
    NdReference.Result first = NdReference.conv(permute(d.toFloatArray(), ds, toFirst), permuted(ds, toFirst),
        permute(w.toFloatArray(), ws, weightToFirst), permuted(ws, weightToFirst), s, dil, pb, pe, groups);
    float[] want = permute(first.values(), first.shape(), toLast);
    if (bias) for (int i = 0; i < want.length; i++) want[i] += b.toFloatArray()[i % (int) ws[rank - 1]];
    Map<String, String> a = attrs(ws[rank - 1], Arrays.copyOf(ws, r), s, dil, pb, pe, groups);
    a.put("layout", r == 1 ? "NWC" : "NDHWC");
    a.put("kernel_layout", r == 1 ? "WIO" : "DHWIO");
    a.put("use_bias", bias ? "True" : "False");
    NDArray got = bias ? run(op, a, d, w, b) : run(op, a, d, w);
    assertClose(got, Shape.of(permuted(first.shape(), toLast)), want);
  }

  @Test
  void conv1dChannelsLastWithGroupsStridesDilationAndUnequalPadding() {
    checkChannelsLast("conv1d", new long[] {2, 11, 3}, new long[] {3, 3, 4}, new int[] {2}, new int[] {2}, new int[] {2}, new int[] {1}, 1,
        true, 41);
    checkChannelsLast("conv1d", new long[] {1, 7, 4}, new long[] {2, 2, 6}, new int[] {1}, new int[] {1}, new int[] {0}, new int[] {1}, 2,
        false, 43);
    checkChannelsLast("conv1d", new long[] {1, 1, 5}, new long[] {1, 1, 5}, new int[] {1}, new int[] {1}, new int[] {0}, new int[] {0}, 5,
        true, 45);
  }

  @Test
  void conv3dChannelsLastWithGroupsStridesDilationAndUnequalPadding() {
    checkChannelsLast("conv3d", new long[] {1, 5, 4, 3, 2}, new long[] {2, 3, 2, 2, 3}, new int[] {1, 1, 1}, new int[] {1, 1, 1},
        new int[] {0, 0, 0}, new int[] {0, 0, 0}, 1, true, 47);
    checkChannelsLast("conv3d", new long[] {2, 7, 5, 6, 4}, new long[] {3, 2, 3, 2, 4}, new int[] {2, 1, 2}, new int[] {1, 2, 1},
        new int[] {1, 0, 2}, new int[] {0, 1, 1}, 2, false, 49);
  }

  @Test
  void channelsLastLayoutsAreValidatedWithNodeOpAndAttribute() {
    Symbol x = Symbol.variable("x"), w = Symbol.variable("w");
    Symbol mixed = Symbol.create("conv1d", "c", Map.of("channels", "4", "kernel_size", "3", "layout", "NWC", "use_bias", "False"), x, w);
    assertThatThrownBy(() -> InferShape.apply(Graph.create(mixed), Map.of("x", Shape.of(1, 8, 2)))).isInstanceOf(CompileException.class)
        .hasMessage("shape inference failed: conv1d: attribute kernel_layout OIW does not pair with layout NWC (NCW takes OIW, NWC takes WIO)"
            + " (node 'c', op 'conv1d')");
    Symbol conv3d = Symbol.create("conv3d", "c3", Map.of("channels", "4", "kernel_size", "3", "layout", "NDHWC", "kernel_layout", "DHWIO",
        "groups", "2", "use_bias", "False"), x, w);
    assertThatThrownBy(() -> InferShape.apply(Graph.create(conv3d), Map.of("x", Shape.of(1, 5, 5, 5, 4), "w", Shape.of(3, 3, 3, 4, 4))))
        .isInstanceOf(CompileException.class)
        .hasMessage("shape inference failed: input 1 (weight) has shape [3, 3, 3, 4, 4] but [3, 3, 3, 2, 4] is expected (node 'c3', op 'conv3d')");
    assertThatThrownBy(() -> InferShape.apply(Graph.create(conv3d), Map.of("x", Shape.of(1, 5, 5, 5, 3))))
        .hasMessage("shape inference failed: conv3d: 3 input channels and 4 output channels are not divisible by groups=2 (node 'c3', op 'conv3d')");
    assertThatThrownBy(() -> Symbol.create("conv1d", "c4", Map.of("channels", "4", "kernel_size", "3", "layout", "NHWC"), x, w))
        .isInstanceOf(CompileException.class).hasMessageStartingWith("op conv1d attribute 'layout' = 'NHWC': expected one of [NCW, NWC]");
    assertThatThrownBy(() -> Symbol.create("conv1d_transpose", "t", Map.of("channels", "4", "kernel_size", "3", "layout", "NWC"), x, w))
        .isInstanceOf(CompileException.class).hasMessageStartingWith("op conv1d_transpose attribute 'layout' = 'NWC': expected one of [NCW]");
    NDArray data = NDArray.allocate(DType.F32, Shape.of(1, 4, 3));
    assertThatThrownBy(() -> run("conv1d", Map.of("channels", "2", "kernel_size", "5", "layout", "NWC", "kernel_layout", "WIO",
        "use_bias", "False"), data, NDArray.allocate(DType.F32, Shape.of(5, 3, 2)))).hasMessageContaining("does not fit data [1, 4, 3]");
  }
}
