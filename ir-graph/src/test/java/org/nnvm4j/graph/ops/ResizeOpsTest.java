package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
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
 * {@code resize} and {@code upsampling} in the TIR interpreter against a plain-Java reference that
 * follows the ONNX Resize text axis by axis (one 1-D interpolation per axis, in float64), over odd
 * extents, every coordinate transformation, every nearest mode, linear and cubic (with
 * exclude_outside), given scales that differ from size / input, and tf_crop_and_resize's
 * extrapolation. An axis whose extent and scale stay is copied, not resampled (tf_half_pixel_for_nn with
 * round_prefer_ceil would otherwise shift it by one). Tolerance: |a - d| <= 1e-5 + 1e-5 |d|.
 */
class ResizeOpsTest {
  /** The ONNX parameters of one resize. */
  record Spec(long[] out, double[] scales, String method, String coord, String nearest, double a, boolean exclude, double extrap,
      double[] roi, boolean antialias) {
    Spec(long[] out, double[] scales, String method, String coord, String nearest) {
      this(out, scales, method, coord, nearest, -0.75, false, 0, new double[0], false);
    }

    Spec(long[] out, double[] scales, String method, String coord, String nearest, double a, boolean exclude, double extrap,
        double[] roi) {
      this(out, scales, method, coord, nearest, a, exclude, extrap, roi, false);
    }

    Map<String, String> attrs() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("size", OpAttrs.tuple(Arrays.stream(out).mapToInt(x -> (int) x).toArray()));
      if (scales != null) m.put("scales", floats(scales));
      m.put("method", method);
      m.put("coordinate_transformation_mode", coord);
      m.put("nearest_mode", nearest);
      m.put("cubic_coeff_a", Double.toString(a));
      m.put("exclude_outside", exclude ? "True" : "False");
      m.put("extrapolation_value", Double.toString(extrap));
      if (roi.length > 0) m.put("roi", floats(roi));
      if (antialias) m.put("antialias", "True");
      return m;
    }

    private static String floats(double[] v) {
      StringBuilder b = new StringBuilder("(");
      for (int i = 0; i < v.length; i++) b.append(i == 0 ? "" : ", ").append(v[i]);
      return b.append(")").toString();
    }
  }

  /** The source coordinate of output {@code x} on axis {@code i}, per the ONNX text. */
  private static double source(Spec p, int i, long in, double x) {
    long out = p.out()[i];
    double scale = p.scales() != null ? p.scales()[i] : (double) out / in;
    double len = in * scale;
    return switch (p.coord()) {
      case "half_pixel" -> (x + 0.5) / scale - 0.5;
      case "half_pixel_symmetric" -> in / 2.0 * (1 - out / len) + (x + 0.5) / scale - 0.5;
      case "pytorch_half_pixel" -> len > 1 ? (x + 0.5) / scale - 0.5 : 0;
      case "align_corners" -> len == 1 ? 0 : x * (in - 1) / (len - 1);
      case "asymmetric" -> x / scale;
      case "tf_half_pixel_for_nn" -> (x + 0.5) / scale;
      case "tf_crop_and_resize" -> {
        double start = p.roi()[i], end = p.roi()[i + p.out().length];
        yield len > 1 ? start * (in - 1) + x * (end - start) * (in - 1) / (len - 1) : 0.5 * (start + end) * (in - 1);
      }
      default -> throw new IllegalArgumentException(p.coord());
    };
  }

  private static long round(String mode, double x) {
    double f = Math.floor(x);
    boolean half = x - f == 0.5;
    return (long) switch (mode) {
      case "round_prefer_floor" -> half ? f : Math.rint(x);
      case "round_prefer_ceil" -> half ? f + 1 : Math.rint(x);
      case "floor" -> f;
      case "ceil" -> Math.ceil(x);
      default -> throw new IllegalArgumentException(mode);
    };
  }

  private static double keys(double t, double a) {
    t = Math.abs(t);
    if (t <= 1) return (a + 2) * t * t * t - (a + 3) * t * t + 1;
    if (t < 2) return a * t * t * t - 5 * a * t * t + 8 * a * t - 4 * a;
    return 0;
  }

  private static int clamp(long i, long n) { return (int) Math.max(0, Math.min(n - 1, i)); }

  /** The reference: one 1-D resize per axis, then tf_crop_and_resize's extrapolated positions overwritten. */
  static float[] reference(float[] x, long[] in, Spec p) {
    double[] cur = new double[x.length];
    for (int i = 0; i < x.length; i++) cur[i] = x[i];
    long[] shape = in.clone();
    for (int axis = 0; axis < in.length; axis++) {
      boolean scaled = p.scales() != null && p.scales()[axis] != 1;
      if (in[axis] == p.out()[axis] && !scaled && !p.coord().equals("tf_crop_and_resize")) continue; // an axis left alone is copied
      long[] next = shape.clone();
      next[axis] = p.out()[axis];
      double[] res = new double[NdReference.size(next)];
      for (int f = 0; f < res.length; f++) {
        int[] idx = NdReference.unflat(next, f);
        double s = source(p, axis, in[axis], idx[axis]);
        int[] at = idx.clone();
        double scale = p.scales() != null ? p.scales()[axis] : (double) p.out()[axis] / in[axis];
        if (p.antialias() && scale < 1) {
          res[f] = antialiased(cur, shape, idx, axis, s, scale, p);
          continue;
        }
        switch (p.method()) {
          case "nearest" -> {
            at[axis] = clamp(round(p.nearest(), s), in[axis]);
            res[f] = cur[NdReference.flat(shape, at)];
          }
          case "linear" -> {
            long x0 = (long) Math.floor(s);
            double w = s - x0;
            at[axis] = clamp(x0, in[axis]);
            double v0 = cur[NdReference.flat(shape, at)];
            at[axis] = clamp(x0 + 1, in[axis]);
            res[f] = v0 * (1 - w) + cur[NdReference.flat(shape, at)] * w;
          }
          default -> {
            long x0 = (long) Math.floor(s);
            double sum = 0, total = 0;
            for (long j = x0 - 1; j <= x0 + 2; j++) {
              double w = keys(s - j, p.a());
              if (p.exclude() && (j < 0 || j >= in[axis])) w = 0;
              at[axis] = clamp(j, in[axis]);
              sum += w * cur[NdReference.flat(shape, at)];
              total += w;
            }
            res[f] = p.exclude() ? sum / total : sum;
          }
        }
      }
      cur = res;
      shape = next;
    }
    float[] out = new float[cur.length];
    for (int f = 0; f < out.length; f++) {
      out[f] = (float) cur[f];
      if (!p.coord().equals("tf_crop_and_resize")) continue;
      int[] idx = NdReference.unflat(shape, f);
      for (int axis = 0; axis < in.length; axis++) {
        double s = source(p, axis, in[axis], idx[axis]);
        if (s < 0 || s > in[axis] - 1) out[f] = (float) p.extrap();
      }
    }
    return out;
  }

  /**
   * The ONNX reference's antialiased sample: the kernel stretched by 1 / scale gives n weights, applied
   * to the n positions nearest to {@code s} (lower index first on ties) of the edge-padded axis.
   */
  private static double antialiased(double[] cur, long[] shape, int[] idx, int axis, double s, double scale, Spec p) {
    double support = p.method().equals("linear") ? 1 : 2;
    int start = (int) Math.floor(-support / scale) + 1;
    int n = 2 - 2 * start;
    double ratio = s == Math.floor(s) ? 1 : s - Math.floor(s);
    double[] w = new double[n];
    for (int k = 0; k < n; k++) {
      double t = (start + k - ratio) * scale;
      w[k] = p.method().equals("linear") ? Math.max(0, 1 - Math.abs(t)) : keys(t, p.a());
    }
    Long[] near = new Long[(int) shape[axis] + 2 * n];
    for (int k = 0; k < near.length; k++) near[k] = (long) k - n;
    Arrays.sort(near, (u, v) -> Math.abs(s - u) != Math.abs(s - v) ? Double.compare(Math.abs(s - u), Math.abs(s - v)) : Long.compare(u, v));
    long[] taps = new long[n];
    for (int k = 0; k < n; k++) taps[k] = near[k];
    Arrays.sort(taps);
    double sum = 0, total = 0;
    int[] at = idx.clone();
    for (int k = 0; k < n; k++) {
      if (p.exclude() && (taps[k] < 0 || taps[k] >= shape[axis])) continue;
      at[axis] = clamp(taps[k], shape[axis]);
      sum += w[k] * cur[NdReference.flat(shape, at)];
      total += w[k];
    }
    return sum / total;
  }

  private static void check(long[] in, Spec p, long seed) {
    NDArray x = random(seed, in);
    assertClose(run("resize", p.attrs(), x), Shape.of(p.out()), reference(x.toFloatArray(), in, p));
  }

  @Test
  void nearestInEveryRoundingModeAndCoordinateMode() {
    long[] in = {1, 2, 3, 5};
    long[] up = {1, 2, 7, 9};
    for (String mode : new String[] {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}) {
      for (String coord : new String[] {"half_pixel", "asymmetric", "align_corners", "tf_half_pixel_for_nn", "pytorch_half_pixel"}) {
        check(in, new Spec(up, null, "nearest", coord, mode), 1);
        check(in, new Spec(new long[] {1, 2, 2, 3}, null, "nearest", coord, mode), 2);
      }
    }
  }

  @Test
  void nearestWithGivenScalesThatAreNotSizeOverInput() {
    // 0.6 * 5 = 3 but the scale, not 3 / 5, drives the coordinates
    check(new long[] {1, 1, 4, 5}, new Spec(new long[] {1, 1, 2, 3}, new double[] {1, 1, 0.6000000238418579, 0.6000000238418579},
        "nearest", "half_pixel", "round_prefer_floor"), 3);
    check(new long[] {1, 1, 3, 3}, new Spec(new long[] {1, 1, 7, 5}, new double[] {1, 1, 2.5, 1.75}, "nearest", "asymmetric", "floor"), 4);
  }

  @Test
  void linearInEveryCoordinateMode() {
    for (String coord : new String[] {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric"}) {
      check(new long[] {2, 3, 4, 5}, new Spec(new long[] {2, 3, 7, 3}, null, "linear", coord, "round_prefer_floor"), 5);
      check(new long[] {1, 1, 4, 5}, new Spec(new long[] {1, 1, 2, 3}, new double[] {1, 1, 0.6, 0.6}, "linear", coord, "floor"), 6);
    }
    check(new long[] {1, 2, 5, 4}, new Spec(new long[] {1, 2, 1, 9}, null, "linear", "pytorch_half_pixel", "floor"), 7);
  }

  @Test
  void cubicWithCoefficientsAndExcludeOutside() {
    for (String coord : new String[] {"half_pixel", "align_corners", "asymmetric"}) {
      check(new long[] {1, 2, 4, 6}, new Spec(new long[] {1, 2, 9, 4}, null, "cubic", coord, "floor"), 8);
    }
    check(new long[] {1, 1, 5, 4}, new Spec(new long[] {1, 1, 8, 3}, null, "cubic", "half_pixel", "floor", -0.5, true, 0, new double[0]), 9);
    check(new long[] {1, 1, 4, 4}, new Spec(new long[] {1, 1, 3, 3}, new double[] {1, 1, 0.8, 0.8}, "cubic", "align_corners", "floor"), 10);
  }

  @Test
  void antialiasStretchesTheKernelWhenShrinking() {
    for (String method : new String[] {"linear", "cubic"}) {
      check(new long[] {1, 2, 9, 7}, new Spec(new long[] {1, 2, 4, 3}, null, method, "half_pixel", "floor", -0.5, false, 0, new double[0],
          true), 17);
      check(new long[] {1, 1, 8, 8}, new Spec(new long[] {1, 1, 4, 12}, new double[] {1, 1, 0.6, 1.5}, method, "align_corners", "floor",
          -0.75, true, 0, new double[0], true), 18);
    }
  }

  @Test
  void tfCropAndResizeExtrapolates() {
    double[] roi = {0, 0, 0.4, -0.2, 1, 1, 0.6, 1.3};
    check(new long[] {1, 1, 4, 5}, new Spec(new long[] {1, 1, 3, 6}, null, "linear", "tf_crop_and_resize", "floor", -0.75, false, 10, roi),
        11);
    check(new long[] {1, 1, 4, 5}, new Spec(new long[] {1, 1, 3, 6}, null, "nearest", "tf_crop_and_resize", "round_prefer_ceil", -0.75,
        false, -1, roi), 12);
  }

  @Test
  void anyAxesOfAnyRank() {
    check(new long[] {3, 5, 2}, new Spec(new long[] {4, 5, 5}, null, "linear", "half_pixel", "floor"), 13);
    check(new long[] {7}, new Spec(new long[] {3}, null, "cubic", "pytorch_half_pixel", "floor"), 14);
    check(new long[] {2, 2, 3, 3, 2}, new Spec(new long[] {2, 2, 5, 3, 4}, null, "nearest", "half_pixel", "round_prefer_ceil"), 15);
  }

  @Test
  void nearestKeepsIntegers() {
    NDArray x = NDArray.of(new int[] {1, 2, 3, 4, 5, 6}, Shape.of(1, 1, 2, 3));
    NDArray y = run("resize", new Spec(new long[] {1, 1, 4, 6}, null, "nearest", "asymmetric", "floor").attrs(), x);
    assertThat(y.toIntArray()).containsExactly(1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6);
  }

  @Test
  void upsamplingNearestAndBilinear() {
    NDArray x = random(16, 1, 2, 3, 4);
    assertClose(run("upsampling", Map.of("scale", "2"), x), Shape.of(1, 2, 6, 8),
        reference(x.toFloatArray(), x.shape().toArray(), new Spec(new long[] {1, 2, 6, 8}, null, "nearest", "asymmetric", "floor")));
    assertClose(run("upsampling", Map.of("scale", "3", "method", "BILINEAR"), x), Shape.of(1, 2, 9, 12),
        reference(x.toFloatArray(), x.shape().toArray(), new Spec(new long[] {1, 2, 9, 12}, null, "linear", "align_corners", "floor")));
  }
}
