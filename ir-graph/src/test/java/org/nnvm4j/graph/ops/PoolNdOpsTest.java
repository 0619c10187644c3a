package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.nnvm4j.graph.ops.NnOpsTest.assertClose;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * N-D pooling, the argmax indices and max unpooling in the TIR interpreter against
 * {@link NdReference}, over odd extents with dilation, unequal padding and ceil mode. Tolerance:
 * |a - d| <= 1e-5 + 1e-5 |d|; indices exactly.
 */
class PoolNdOpsTest {
  private static Map<String, String> attrs(int[] k, int[] s, int[] dil, int[] pb, int[] pe, boolean ceil) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("pool_size", OpAttrs.tuple(k));
    a.put("strides", OpAttrs.tuple(s));
    a.put("dilation", OpAttrs.tuple(dil));
    int[] pad = new int[2 * pb.length];
    System.arraycopy(pb, 0, pad, 0, pb.length);
    System.arraycopy(pe, 0, pad, pb.length, pe.length);
    a.put("padding", OpAttrs.tuple(pad));
    a.put("ceil_mode", ceil ? "True" : "False");
    return a;
  }

  private static void check(long[] ds, int[] k, int[] s, int[] dil, int[] pb, int[] pe, boolean ceil, long seed) {
    int r = k.length;
    NDArray d = random(seed, ds);
    float[] v = d.toFloatArray();
    Map<String, String> a = attrs(k, s, dil, pb, pe, ceil);
    NdReference.Result max = NdReference.pool(v, ds, k, s, dil, pb, pe, ceil, false, false, false, false);
    assertClose(run("max_pool" + r + "d", a, d), Shape.of(max.shape()), max.values());
    for (boolean countPad : new boolean[] {false, true}) {
      Map<String, String> b = new LinkedHashMap<>(a);
      b.put("count_include_pad", countPad ? "True" : "False");
      NdReference.Result avg = NdReference.pool(v, ds, k, s, dil, pb, pe, ceil, true, countPad, false, false);
      assertClose(run("avg_pool" + r + "d", b, d), Shape.of(avg.shape()), avg.values());
    }
  }

  @Test
  void pool1dDilatedUnequalPaddingCeilMode() {
    check(new long[] {2, 3, 11}, new int[] {3}, new int[] {2}, new int[] {2}, new int[] {2}, new int[] {1}, false, 1);
    check(new long[] {1, 2, 8}, new int[] {2}, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {0}, true, 2);
    check(new long[] {1, 1, 5}, new int[] {5}, new int[] {1}, new int[] {1}, new int[] {0}, new int[] {0}, false, 3);
  }

  @Test
  void pool3dStridesPaddingDilation() {
    check(new long[] {1, 2, 5, 6, 7}, new int[] {2, 3, 2}, new int[] {2, 2, 1}, new int[] {1, 1, 2}, new int[] {1, 1, 0},
        new int[] {0, 1, 1}, false, 4);
    check(new long[] {2, 1, 4, 5, 3}, new int[] {3, 2, 2}, new int[] {2, 2, 2}, new int[] {1, 1, 1}, new int[] {1, 0, 1},
        new int[] {1, 0, 1}, true, 5);
  }

  @Test
  void argmaxGivesFlatIndicesRowAndColumnMajor() {
    long[] ds = {2, 3, 5, 7};
    int[] k = {3, 2}, s = {2, 2}, dil = {1, 2}, pb = {1, 0}, pe = {1, 1};
    NDArray d = random(6, ds);
    for (boolean colMajor : new boolean[] {false, true}) {
      Map<String, String> a = attrs(k, s, dil, pb, pe, false);
      a.put("column_major", colMajor ? "True" : "False");
      NDArray got = run("max_pool2d_argmax", a, d);
      NdReference.Result want = NdReference.pool(d.toFloatArray(), ds, k, s, dil, pb, pe, false, false, false, true, colMajor);
      assertThat(got.dtype()).isEqualTo(DType.I64);
      assertThat(got.shape()).isEqualTo(Shape.of(want.shape()));
      long[] idx = new long[(int) got.numElements()];
      for (int i = 0; i < idx.length; i++) idx[i] = got.getLong(i);
      assertThat(idx).containsExactly(toLongs(want.values()));
    }
  }

  @Test
  void argmaxTakesTheFirstOfEqualMaxima() {
    NDArray d = NDArray.of(new float[] {1, 3, 3, 0, 3, 2, 1, 1, 2}, Shape.of(1, 1, 1, 9));
    NDArray got = run("max_pool1d_argmax", Map.of("pool_size", "(3,)", "strides", "(3,)"), NDArray.of(d.toFloatArray(), Shape.of(1, 1, 9)));
    assertThat(new long[] {got.getLong(0), got.getLong(1), got.getLong(2)}).containsExactly(1, 4, 8);
  }

  private static long[] toLongs(float[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) out[i] = (long) v[i];
    return out;
  }

  @Test
  void maxUnpoolInvertsMaxPoolWithItsIndices() {
    long[] ds = {1, 2, 5, 7};
    int[] k = {2, 3}, s = {2, 2}, one = {1, 1}, pb = {0, 1}, pe = {1, 1};
    NDArray d = random(7, ds);
    Map<String, String> a = attrs(k, s, one, pb, pe, false);
    // the 2-D window as a 3-D one over [N, C, 1, H, W] (how the ONNX frontend runs 2-D pools the 2-D op cannot express)
    NDArray pooled5 = run("max_pool3d", lifted(a), reshape(d, 1, 2, 1, 5, 7));
    NDArray pooled = reshape(pooled5, 1, 2, pooled5.shape().dim(3), pooled5.shape().dim(4));
    NdReference.Result want = NdReference.pool(d.toFloatArray(), ds, k, s, one, pb, pe, false, false, false, false, false);
    assertClose(pooled, Shape.of(want.shape()), want.values());
    NDArray indices = run("max_pool2d_argmax", a, d);
    Map<String, String> u = new LinkedHashMap<>();
    u.put("pool_size", a.get("pool_size"));
    u.put("strides", a.get("strides"));
    u.put("padding", a.get("padding"));
    long[] idx = new long[(int) indices.numElements()];
    for (int i = 0; i < idx.length; i++) idx[i] = indices.getLong(i);
    assertClose(run("max_unpool2d", u, pooled, indices), Shape.of(ds), NdReference.unpool(pooled.toFloatArray(), idx, ds, ds));
    long[] larger = {1, 2, 7, 8};
    u.put("output_size", OpAttrs.tuple(Arrays.stream(larger).mapToInt(x -> (int) x).toArray()));
    assertClose(run("max_unpool2d", u, pooled, indices), Shape.of(larger), NdReference.unpool(pooled.toFloatArray(), idx, ds, larger));
  }

  private static Map<String, String> lifted(Map<String, String> a) {
    int[] k = OpAttrs.intsAttr(a, "pool_size"), s = OpAttrs.intsAttr(a, "strides"), p = OpAttrs.intsAttr(a, "padding");
    Map<String, String> b = new LinkedHashMap<>();
    b.put("pool_size", OpAttrs.tuple(1, k[0], k[1]));
    b.put("strides", OpAttrs.tuple(1, s[0], s[1]));
    b.put("padding", OpAttrs.tuple(0, p[0], p[1], 0, p[2], p[3]));
    return b;
  }

  private static NDArray reshape(NDArray x, long... shape) { return NDArray.of(x.toFloatArray(), Shape.of(shape)); }
}
