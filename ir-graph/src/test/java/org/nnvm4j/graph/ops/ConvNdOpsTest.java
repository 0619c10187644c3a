package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.NnOpsTest.assertClose;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * conv1d/conv3d and the transposed convolutions in the TIR interpreter against {@link NdReference}
 * (the transposed form checked against a scatter), over odd extents with strides, dilation, groups
 * and unequal padding. Tolerance: |a - d| <= 1e-5 + 1e-5 |d| (float32 sums of at most 100 terms).
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
}
