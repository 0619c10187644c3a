package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * gather_nd, scatter_elements, scatter_nd, one_hot, reverse_sequence and topk against plain Java loops,
 * through the TIR interpreter: several shapes (odd extents), negative axes and indices, duplicate
 * scatter indices under every reduction, ties in topk.
 */
class IndexOpsTest {
  static NDArray longs(long[] v, long... shape) {
    NDArray a = NDArray.allocate(DType.I64, Shape.of(shape));
    for (int i = 0; i < v.length; i++) a.segment().setAtIndex(ValueLayout.JAVA_LONG, i, v[i]);
    return a;
  }

  /** Row-major strides of {@code shape}. */
  static long[] strides(long[] shape) {
    long[] s = new long[shape.length];
    long p = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      s[d] = p;
      p *= shape[d];
    }
    return s;
  }

  /** The multi-index of flat position {@code i} in {@code shape}. */
  static long[] unravel(long i, long[] shape) {
    long[] idx = new long[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = i % shape[d];
      i /= shape[d];
    }
    return idx;
  }

  static long ravel(long[] idx, long[] shape) {
    long[] s = strides(shape);
    long p = 0;
    for (int d = 0; d < idx.length; d++) p += idx[d] * s[d];
    return p;
  }

  /**
   * Element-wise within 1e-6 (absolute and relative): a scatter sums the updates of one element before it
   * adds them to the data, the reference adds them one by one, so float32 rounding may differ.
   */
  static void assertValues(NDArray got, double[] want) {
    assertThat(got.numElements()).isEqualTo(want.length);
    for (int i = 0; i < want.length; i++) {
      assertThat(Math.abs(got.getDouble(i) - want[i])).as("element %d: %s vs %s", i, got.getDouble(i), want[i])
          .isLessThanOrEqualTo(1e-6 + 1e-6 * Math.abs(want[i]));
    }
  }

  @Test
  void gatherNdAgainstLoops() {
    NDArray data = random(1, 3, 4, 5);
    long[] ds = {3, 4, 5};
    // q = 2: pairs (negative ones count from the end); q = 1 over a [2, 2, 1] index tensor; batch_dims = 1.
    NDArray pairs = longs(new long[] {0, 1, 2, -1, -3, 3}, 3, 2);
    double[] want = new double[3 * 5];
    long[][] p = {{0, 1}, {2, 3}, {0, 3}};
    for (int j = 0; j < 3; j++) for (int r = 0; r < 5; r++) want[j * 5 + r] = data.getDouble(ravel(new long[] {p[j][0], p[j][1], r}, ds));
    NDArray out = run("gather_nd", Map.of(), data, pairs);
    assertThat(out.shape()).isEqualTo(Shape.of(3, 5));
    assertValues(out, want);

    NDArray singles = longs(new long[] {2, 0, 1, -1}, 2, 2, 1);
    out = run("gather_nd", Map.of(), data, singles);
    assertThat(out.shape()).isEqualTo(Shape.of(2, 2, 4, 5));
    long[] rows = {2, 0, 1, 2};
    for (int j = 0; j < 4; j++) {
      for (int r = 0; r < 20; r++) assertThat(out.getDouble(j * 20 + r)).isEqualTo(data.getDouble(rows[j] * 20 + r));
    }

    NDArray batched = longs(new long[] {1, 4, 3, 0, 0, 2}, 3, 1, 2);
    out = run("gather_nd", Map.of("batch_dims", "1"), data, batched);
    assertThat(out.shape()).isEqualTo(Shape.of(3, 1));
    for (int b = 0; b < 3; b++) {
      assertThat(out.getDouble(b)).isEqualTo(data.getDouble(ravel(new long[] {b, batched.getLong(b * 2), batched.getLong(b * 2 + 1)}, ds)));
    }
  }

  /** ONNX ScatterElements semantics in plain Java: positions in row-major order, so the last write wins. */
  static double[] scatterElements(NDArray data, NDArray indices, NDArray updates, int axis, String reduction) {
    long[] ds = data.shape().toArray();
    long[] is = indices.shape().toArray();
    double[] out = new double[(int) data.numElements()];
    for (int i = 0; i < out.length; i++) out[i] = data.getDouble(i);
    for (long j = 0; j < indices.numElements(); j++) {
      long[] at = unravel(j, is);
      long k = indices.getLong(j);
      at[axis] = k < 0 ? k + ds[axis] : k;
      int o = (int) ravel(at, ds);
      out[o] = combine(out[o], updates.getDouble(j), reduction);
    }
    return out;
  }

  static double combine(double old, double u, String reduction) {
    return switch (reduction) {
      case "add" -> old + u;
      case "mul" -> old * u;
      case "max" -> Math.max(old, u);
      case "min" -> Math.min(old, u);
      default -> u;
    };
  }

  @Test
  void scatterElementsEveryReductionWithDuplicates() {
    NDArray data = random(2, 4, 5);
    NDArray updates = random(3, 3, 2);
    // duplicates in column 0 (rows 1 and -3 = 1) and column 1 (rows 3 and 3); indices smaller than data in both dimensions
    NDArray indices = longs(new long[] {1, 3, -3, 0, 2, 3}, 3, 2);
    for (String r : new String[] {"none", "add", "mul", "max", "min"}) {
      NDArray out = run("scatter_elements", Map.of("axis", "0", "reduction", r), data, indices, updates);
      assertThat(out.shape()).isEqualTo(Shape.of(4, 5));
      assertValues(out, scatterElements(data, indices, updates, 0, r));
    }
    NDArray cols = longs(new long[] {4, 0, -1, 1, 1, 2}, 3, 2);
    NDArray out = run("scatter_elements", Map.of("axis", "-1", "reduction", "add"), data, cols, updates);
    assertValues(out, scatterElements(data, cols, updates, 1, "add"));
    out = run("scatter_elements", Map.of("axis", "1"), data, cols, updates);
    assertValues(out, scatterElements(data, cols, updates, 1, "none"));
  }

  /** ONNX ScatterND semantics in plain Java. */
  static double[] scatterNd(NDArray data, NDArray indices, NDArray updates, String reduction) {
    long[] ds = data.shape().toArray();
    long[] is = indices.shape().toArray();
    int q = (int) is[is.length - 1];
    long slice = 1;
    for (int d = q; d < ds.length; d++) slice *= ds[d];
    double[] out = new double[(int) data.numElements()];
    for (int i = 0; i < out.length; i++) out[i] = data.getDouble(i);
    long points = indices.numElements() / q;
    for (long j = 0; j < points; j++) {
      long[] at = new long[ds.length];
      for (int t = 0; t < q; t++) {
        long k = indices.getLong(j * q + t);
        at[t] = k < 0 ? k + ds[t] : k;
      }
      long base = ravel(at, ds);
      for (long r = 0; r < slice; r++) {
        int o = (int) (base + r);
        out[o] = combine(out[o], updates.getDouble(j * slice + r), reduction);
      }
    }
    return out;
  }

  @Test
  void scatterNdSlicesAndElementsWithDuplicates() {
    NDArray data = random(4, 5, 3, 2);
    NDArray rowIdx = longs(new long[] {4, -1, 0, 2}, 2, 2, 1); // rows 4 (twice), 0, 2
    NDArray rowUpd = random(5, 2, 2, 3, 2);
    for (String r : new String[] {"none", "add", "mul", "max", "min"}) {
      NDArray out = run("scatter_nd", Map.of("reduction", r), data, rowIdx, rowUpd);
      assertThat(out.shape()).isEqualTo(Shape.of(5, 3, 2));
      assertValues(out, scatterNd(data, rowIdx, rowUpd, r));
    }
    NDArray elemIdx = longs(new long[] {0, 1, 1, 3, 2, 0, 0, -2, 1, 4, 2, 1}, 4, 3);
    NDArray elemUpd = random(6, 4);
    NDArray out = run("scatter_nd", Map.of("reduction", "add"), data, elemIdx, elemUpd);
    assertValues(out, scatterNd(data, elemIdx, elemUpd, "add"));
    NDArray one = longs(new long[] {3, 1}, 2);
    NDArray oneUpd = random(7, 2);
    out = run("scatter_nd", Map.of(), data, one, oneUpd);
    assertValues(out, scatterNd(data, one, oneUpd, "none"));
  }

  @Test
  void oneHotAlongEveryAxis() {
    NDArray indices = longs(new long[] {0, 3, -1, 5, -5, 2}, 2, 3);
    NDArray values = NDArray.of(new float[] {-2f, 7f}, Shape.of(2));
    long depth = 4;
    for (int axis : new int[] {-1, 0, 1, 2, -3}) {
      NDArray out = run("one_hot", Map.of("depth", "4", "axis", Integer.toString(axis)), indices, values);
      int ax = axis < 0 ? axis + 3 : axis;
      long[] os = {2, 3};
      long[] shape = new long[3];
      for (int d = 0, k = 0; d < 3; d++) shape[d] = d == ax ? depth : os[k++];
      assertThat(out.shape()).isEqualTo(Shape.of(shape));
      for (long i = 0; i < out.numElements(); i++) {
        long[] at = unravel(i, shape);
        long[] src = new long[2];
        for (int d = 0, k = 0; d < 3; d++) if (d != ax) src[k++] = at[d];
        long v = indices.getLong(ravel(src, os));
        if (v < 0) v += depth;
        assertThat(out.getDouble(i)).as("axis %d at %d", axis, i).isEqualTo(v == at[ax] ? 7.0 : -2.0);
      }
    }
  }

  @Test
  void reverseSequenceOverBatchAndTimeAxes() {
    NDArray data = random(8, 4, 3, 2);
    NDArray lens = longs(new long[] {1, 4, 3}, 3);
    NDArray out = run("reverse_sequence", Map.of("batch_axis", "1", "time_axis", "0"), data, lens);
    long[] s = {4, 3, 2};
    for (long i = 0; i < out.numElements(); i++) {
      long[] at = unravel(i, s);
      long len = lens.getLong(at[1]);
      long[] src = at.clone();
      if (at[0] < len) src[0] = len - 1 - at[0];
      assertThat(out.getDouble(i)).isEqualTo(data.getDouble(ravel(src, s)));
    }
    NDArray batchFirst = random(9, 3, 5);
    NDArray lens2 = longs(new long[] {5, 2, 0}, 3);
    out = run("reverse_sequence", Map.of("batch_axis", "0", "time_axis", "-1"), batchFirst, lens2);
    for (int b = 0; b < 3; b++) {
      for (int t = 0; t < 5; t++) {
        long len = lens2.getLong(b);
        int src = t < len ? (int) (len - 1 - t) : t;
        assertThat(out.getDouble(b * 5 + t)).isEqualTo(batchFirst.getDouble(b * 5 + src));
      }
    }
  }

  /**
   * Top-k of random small integers (many ties) against a stable sort, over the rank formulation (k
   * close to the extent) and the rounds of selection (small k, long axis), along either axis.
   */
  @Test
  void topkValuesAndIndicesWithTies() {
    assertTopk(3, 7, 4, 2, 11);
    assertTopk(5, 50, 3, 5, 12);
    assertTopk(40, 3, 2, 5, 13);
  }

  private static void assertTopk(int rows, int cols, int kAlongCols, int kAlongRows, long seed) {
    Random r = new Random(seed);
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) v[i] = r.nextInt(5) - 2;
    NDArray x = NDArray.of(v, Shape.of(rows, cols));
    for (boolean largest : new boolean[] {true, false}) {
      for (int axis : new int[] {-1, 0}) {
        int ax = axis < 0 ? 1 : 0;
        int k = ax == 1 ? kAlongCols : kAlongRows;
        Map<String, String> a = Map.of("k", Integer.toString(k), "axis", Integer.toString(axis), "is_ascend", largest ? "False" : "True");
        NDArray values = run("topk", a, x);
        NDArray idx = run("topk", withRet(a), x);
        assertThat(idx.dtype()).isEqualTo(DType.I64);
        assertThat(values.shape()).isEqualTo(ax == 1 ? Shape.of(rows, k) : Shape.of(k, cols));
        int lines = ax == 1 ? rows : cols;
        int n = ax == 1 ? cols : rows;
        for (int line = 0; line < lines; line++) {
          final int l = line;
          Integer[] order = new Integer[n];
          for (int i = 0; i < n; i++) order[i] = i;
          java.util.function.IntToDoubleFunction at = i -> ax == 1 ? v[l * cols + i] : v[i * cols + l];
          // stable sort: ties keep the lower index first
          java.util.Arrays.sort(order, (p, q) -> largest ? Double.compare(at.applyAsDouble(q), at.applyAsDouble(p))
              : Double.compare(at.applyAsDouble(p), at.applyAsDouble(q)));
          for (int j = 0; j < k; j++) {
            long pos = ax == 1 ? (long) l * k + j : (long) j * cols + l;
            assertThat(idx.getLong(pos)).as("%dx%d line %d rank %d", rows, cols, l, j).isEqualTo((long) order[j]);
            assertThat(values.getDouble(pos)).isEqualTo(at.applyAsDouble(order[j]));
          }
        }
      }
    }
  }

  private static Map<String, String> withRet(Map<String, String> a) {
    Map<String, String> m = new java.util.HashMap<>(a);
    m.put("ret_type", "indices");
    return m;
  }
}
