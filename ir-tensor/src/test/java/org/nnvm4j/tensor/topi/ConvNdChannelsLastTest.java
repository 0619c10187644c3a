package org.nnvm4j.tensor.topi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Channels-last {@link ConvNd#conv} (NWC data with a WIO weight, NDHWC with DHWIO) run by the TIR
 * interpreter against a plain-Java loop over the channels-last arrays, over odd extents, strides,
 * dilation, groups and padding that differs at the two ends. Tolerance: |a - d| <= 1e-5 + 1e-5 * sum|terms|
 * (float32 sums of at most a few hundred terms against a double reference).
 */
class ConvNdChannelsLastTest {
  /** Data [n, spatial..., c], weight [k..., c/groups, o]; the spatial extents, kernel, strides, dilation and paddings are "a x b x c" lists. */
  @ParameterizedTest(name = "n{0} {1} c{2} k{3} o{4} s{5} d{6} pad {7}/{8} groups {9}")
  @CsvSource({
      "2, 11, 3, 3, 4, 2, 2, 2, 1, 1",
      "1, 7, 4, 2, 6, 1, 1, 0, 1, 2",
      "1, 9, 8, 3, 8, 1, 3, 3, 0, 4",
      "3, 1, 5, 1, 5, 1, 1, 0, 0, 5",
      "1, 5 x 4 x 3, 2, 2 x 3 x 2, 3, 1 x 1 x 1, 1 x 1 x 1, 0 x 0 x 0, 0 x 0 x 0, 1",
      "2, 7 x 5 x 6, 4, 3 x 2 x 3, 4, 2 x 1 x 2, 1 x 2 x 1, 1 x 0 x 2, 0 x 1 x 1, 2",
      "1, 3 x 6 x 5, 6, 1 x 3 x 3, 9, 1 x 2 x 1, 1 x 1 x 2, 0 x 1 x 1, 0 x 1 x 2, 3"})
  void matchesPlainJava(int n, String spatial, int c, String kernel, int o, String strides, String dilation, String padBegin, String padEnd,
      int groups) {
    int[] sp = ints(spatial), k = ints(kernel);
    ConvNd.Params p = ConvNd.Params.of(ints(strides), ints(dilation), ints(padBegin), ints(padEnd), groups);
    long[] ds = concat(n, sp, c), ws = concat(-1, k, c / groups, o);
    ws = Arrays.copyOfRange(ws, 1, ws.length);
    Tensor data = Te.placeholder(Te.shape(ds), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(ws), DType.F32, "weight");
    Tensor out = ConvNd.conv(data, weight, p, ConvNd.Order.CHANNELS_LAST, "conv");
    float[] x = DetectionPriorTest.random(11 + c, size(ds)), w = DetectionPriorTest.random(17 + o, size(ws));
    double[][] want = reference(x, ds, w, ws, p);
    long[] os = ConvNd.convShape(ds, ws, p, ConvNd.Order.CHANNELS_LAST);
    assertThat(out.shape()).hasSize(os.length);
    try (NDArray in = NDArray.of(x, Shape.of(ds)); NDArray wt = NDArray.of(w, Shape.of(ws)); NDArray res = NDArray.allocate(DType.F32, Shape.of(os))) {
      DetectionTest.run(List.of(data, weight, out), List.of(in, wt, res), out);
      float[] got = res.toFloatArray();
      assertThat(got).hasSize(want[0].length);
      for (int i = 0; i < got.length; i++) {
        assertThat(Math.abs(got[i] - want[0][i])).as("element %d of %s", i, Arrays.toString(os)).isLessThanOrEqualTo(1e-5 + 1e-5 * want[1][i]);
      }
    }
  }

  @Test
  void refusesAWeightWhoseChannelsDoNotFitTheGroups() {
    Tensor data = Te.placeholder(Te.shape(1, 8, 6), DType.F32, "data");
    Tensor weight = Te.placeholder(Te.shape(3, 4, 6), DType.F32, "weight"); // [k, c/groups, o]: 4 * 2 groups != 6 channels
    ConvNd.Params p = ConvNd.Params.of(new int[] {1}, new int[] {1}, new int[] {0}, new int[] {0}, 2);
    assertThatThrownBy(() -> ConvNd.conv(data, weight, p, ConvNd.Order.CHANNELS_LAST, "conv1d")).isInstanceOf(CompileException.class)
        .hasMessageContaining("conv1d").hasMessageContaining("groups=2");
  }

  /**
   * The convolution as a loop over every output position and tap in channels-last order: values and, per
   * output, the sum of the magnitudes of its terms (for the tolerance).
   */
  static double[][] reference(float[] x, long[] ds, float[] w, long[] ws, ConvNd.Params p) {
    int r = ds.length - 2, cpg = (int) ws[r], oc = (int) ws[r + 1], opg = oc / p.groups();
    long[] os = new long[ds.length];
    os[0] = ds[0];
    os[r + 1] = oc;
    for (int i = 0; i < r; i++) os[i + 1] = (ds[i + 1] + p.padBegin()[i] + p.padEnd()[i] - (long) p.dilation()[i] * (ws[i] - 1) - 1) / p.strides()[i] + 1;
    int total = size(os), taps = size(Arrays.copyOf(ws, r));
    double[] out = new double[total], mag = new double[total];
    for (int f = 0; f < total; f++) {
      int[] at = unflat(os, f);
      int oo = at[r + 1], g = oo / opg;
      for (int t = 0; t < taps; t++) {
        int[] tap = unflat(Arrays.copyOf(ws, r), t);
        int[] pos = new int[ds.length];
        pos[0] = at[0];
        boolean inside = true;
        for (int i = 0; i < r; i++) {
          pos[i + 1] = at[i + 1] * p.strides()[i] + tap[i] * p.dilation()[i] - p.padBegin()[i];
          inside &= pos[i + 1] >= 0 && pos[i + 1] < ds[i + 1];
        }
        if (!inside) continue;
        for (int ci = 0; ci < cpg; ci++) {
          pos[r + 1] = g * cpg + ci;
          int[] wi = Arrays.copyOf(tap, r + 2);
          wi[r] = ci;
          wi[r + 1] = oo;
          double term = (double) x[flat(ds, pos)] * w[flat(ws, wi)];
          out[f] += term;
          mag[f] += Math.abs(term);
        }
      }
    }
    return new double[][] {out, mag};
  }

  private static int[] ints(String s) { return Arrays.stream(s.split("x")).map(String::trim).mapToInt(Integer::parseInt).toArray(); }

  private static long[] concat(long first, int[] mid, long... last) {
    long[] out = new long[mid.length + 1 + last.length];
    out[0] = first;
    for (int i = 0; i < mid.length; i++) out[i + 1] = mid[i];
    System.arraycopy(last, 0, out, mid.length + 1, last.length);
    return out;
  }

  private static int size(long[] s) { return (int) Arrays.stream(s).reduce(1, (a, b) -> a * b); }

  private static int flat(long[] shape, int[] idx) {
    int f = 0;
    for (int i = 0; i < shape.length; i++) f = f * (int) shape[i] + idx[i];
    return f;
  }

  private static int[] unflat(long[] shape, int f) {
    int[] idx = new int[shape.length];
    for (int i = shape.length - 1; i >= 0; i--) {
      idx[i] = (int) (f % shape[i]);
      f /= (int) shape[i];
    }
    return idx;
  }
}
