package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * The reducing ops against plain Java loops. Tolerance: |a - d| <= 1e-5 + 1e-5 |d| (float32 sums of
 * at most 100 terms in a different order).
 */
class NnOpsTest {
  static void assertClose(NDArray actual, Shape shape, float[] desired) {
    assertThat(actual.shape()).isEqualTo(shape);
    float[] a = actual.toFloatArray();
    assertThat(a).hasSize(desired.length);
    for (int i = 0; i < a.length; i++) {
      assertThat(Math.abs(a[i] - desired[i])).as("index %d: %f vs %f", i, a[i], desired[i]).isLessThanOrEqualTo(1e-5f + 1e-5f * Math.abs(desired[i]));
    }
  }

  @Test
  void denseWithBias() {
    NDArray x = random(1, 2, 5), w = random(2, 3, 5), b = random(3, 3);
    float[] xv = x.toFloatArray(), wv = w.toFloatArray(), bv = b.toFloatArray();
    float[] want = new float[6];
    for (int i = 0; i < 2; i++) {
      for (int u = 0; u < 3; u++) {
        float s = 0;
        for (int k = 0; k < 5; k++) s += xv[i * 5 + k] * wv[u * 5 + k];
        want[i * 3 + u] = s + bv[u];
      }
    }
    assertClose(run("dense", Map.of("units", "3"), x, w, b), Shape.of(2, 3), want);
  }

  /** Naive NCHW convolution with groups, symmetric padding, strides and dilation. */
  static float[] conv(float[] d, long[] ds, float[] w, long[] ws, int stride, int pad, int dil, int groups, long oh, long ow) {
    int n = (int) ds[0], c = (int) ds[1], h = (int) ds[2], wd = (int) ds[3], o = (int) ws[0], cpg = (int) ws[1], kh = (int) ws[2],
        kw = (int) ws[3];
    float[] out = new float[(int) (n * o * oh * ow)];
    int opg = o / groups;
    for (int b = 0; b < n; b++) {
      for (int oc = 0; oc < o; oc++) {
        for (int y = 0; y < oh; y++) {
          for (int x = 0; x < ow; x++) {
            float s = 0;
            for (int rc = 0; rc < cpg; rc++) {
              int ic = oc / opg * cpg + rc;
              for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                  int iy = y * stride + ky * dil - pad, ix = x * stride + kx * dil - pad;
                  if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                  s += d[((b * c + ic) * h + iy) * wd + ix] * w[((oc * cpg + rc) * kh + ky) * kw + kx];
                }
              }
            }
            out[(int) (((b * o + oc) * oh + y) * ow + x)] = s;
          }
        }
      }
    }
    return out;
  }

  @Test
  void conv2dWithGroupsPaddingStridesDilation() {
    NDArray d = random(4, 1, 4, 7, 6), w = random(5, 6, 2, 3, 3);
    Map<String, String> attrs = Map.of("channels", "6", "kernel_size", "(3, 3)", "strides", "(2, 2)", "padding", "(2, 2)",
        "dilation", "(2, 2)", "groups", "2", "use_bias", "False");
    long oh = (7 + 4 - 2 * 2 - 1) / 2 + 1, ow = (6 + 4 - 2 * 2 - 1) / 2 + 1;
    float[] want = conv(d.toFloatArray(), d.shape().toArray(), w.toFloatArray(), w.shape().toArray(), 2, 2, 2, 2, oh, ow);
    assertClose(run("conv2d", attrs, d, w), Shape.of(1, 6, oh, ow), want);
  }

  @Test
  void conv2dWithBias() {
    NDArray d = random(6, 2, 3, 5, 5), w = random(7, 4, 3, 3, 3), b = random(8, 4);
    float[] want = conv(d.toFloatArray(), d.shape().toArray(), w.toFloatArray(), w.shape().toArray(), 1, 1, 1, 1, 5, 5);
    float[] bv = b.toFloatArray();
    for (int i = 0; i < want.length; i++) want[i] += bv[i / 25 % 4];
    assertClose(run("conv2d", Map.of("channels", "4", "kernel_size", "(3, 3)", "padding", "(1, 1)"), d, w, b), Shape.of(2, 4, 5, 5),
        want);
  }

  static float[] pool(float[] d, int n, int c, int h, int w, int k, int s, int p, boolean avg, boolean countPad, long oh, long ow) {
    float[] out = new float[(int) (n * c * oh * ow)];
    for (int b = 0; b < n * c; b++) {
      for (int y = 0; y < oh; y++) {
        for (int x = 0; x < ow; x++) {
          float acc = avg ? 0 : Float.NEGATIVE_INFINITY;
          int cnt = 0;
          for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
              int iy = y * s - p + ky, ix = x * s - p + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              float v = d[(b * h + iy) * w + ix];
              acc = avg ? acc + v : Math.max(acc, v);
              cnt++;
            }
          }
          out[(int) ((b * oh + y) * ow + x)] = avg ? acc / (countPad ? k * k : cnt) : acc;
        }
      }
    }
    return out;
  }

  @Test
  void maxPoolPaddedAndCeilMode() {
    NDArray d = random(9, 1, 2, 6, 6);
    assertClose(run("max_pool2d", Map.of("pool_size", "(3, 3)", "strides", "(2, 2)", "padding", "(1, 1)"), d), Shape.of(1, 2, 3, 3),
        pool(d.toFloatArray(), 1, 2, 6, 6, 3, 2, 1, false, false, 3, 3));
    assertClose(run("max_pool2d", Map.of("pool_size", "(2, 2)", "strides", "(2, 2)", "ceil_mode", "True"), random(10, 1, 1, 5, 5)),
        Shape.of(1, 1, 3, 3), pool(random(10, 1, 1, 5, 5).toFloatArray(), 1, 1, 5, 5, 2, 2, 0, false, false, 3, 3));
  }

  @Test
  void avgPoolCountsPaddingOnlyWhenAsked() {
    NDArray d = random(11, 2, 1, 5, 5);
    Map<String, String> a = Map.of("pool_size", "(3, 3)", "strides", "(2, 2)", "padding", "(1, 1)");
    assertClose(run("avg_pool2d", a, d), Shape.of(2, 1, 3, 3), pool(d.toFloatArray(), 2, 1, 5, 5, 3, 2, 1, true, false, 3, 3));
    Map<String, String> b = new java.util.HashMap<>(a);
    b.put("count_include_pad", "True");
    assertClose(run("avg_pool2d", b, d), Shape.of(2, 1, 3, 3), pool(d.toFloatArray(), 2, 1, 5, 5, 3, 2, 1, true, true, 3, 3));
  }

  @Test
  void globalAvgPool() {
    NDArray d = random(12, 2, 3, 4, 4);
    assertClose(run("global_avg_pool2d", Map.of(), d), Shape.of(2, 3, 1, 1), pool(d.toFloatArray(), 2, 3, 4, 4, 4, 1, 0, true, true, 1, 1));
  }

  @Test
  void softmaxAlongLastAxisAndAxisOne() {
    NDArray d = random(13, 2, 3, 4);
    float[] v = d.toFloatArray();
    float[] want = new float[v.length];
    for (int r = 0; r < 6; r++) {
      double m = Double.NEGATIVE_INFINITY, s = 0;
      for (int k = 0; k < 4; k++) m = Math.max(m, v[r * 4 + k]);
      for (int k = 0; k < 4; k++) s += Math.exp(v[r * 4 + k] - m);
      for (int k = 0; k < 4; k++) want[r * 4 + k] = (float) (Math.exp(v[r * 4 + k] - m) / s);
    }
    assertClose(run("softmax", Map.of(), d), Shape.of(2, 3, 4), want);
    float[] want1 = new float[v.length];
    for (int b = 0; b < 2; b++) {
      for (int k = 0; k < 4; k++) {
        double s = 0;
        for (int c = 0; c < 3; c++) s += Math.exp(v[(b * 3 + c) * 4 + k]);
        for (int c = 0; c < 3; c++) want1[(b * 3 + c) * 4 + k] = (float) (Math.exp(v[(b * 3 + c) * 4 + k]) / s);
      }
    }
    assertClose(run("softmax", Map.of("axis", "1"), d), Shape.of(2, 3, 4), want1);
  }

  @Test
  void batchNormInference() {
    NDArray d = random(14, 2, 3, 2, 2), g = random(15, 3), b = random(16, 3), m = random(17, 3), var = NDArray.of(0.5f, 1.5f, 2f);
    float[] dv = d.toFloatArray(), gv = g.toFloatArray(), bv = b.toFloatArray(), mv = m.toFloatArray(), vv = var.toFloatArray();
    float[] want = new float[dv.length];
    for (int i = 0; i < dv.length; i++) {
      int c = i / 4 % 3;
      want[i] = (float) ((dv[i] - mv[c]) / Math.sqrt(vv[c] + 1e-3) * gv[c] + bv[c]);
    }
    assertClose(run("batch_norm", Map.of("epsilon", "1e-3"), d, g, b, m, var), Shape.of(2, 3, 2, 2), want);
  }

  @Test
  void sumMaxMeanOverAxes() {
    NDArray d = random(18, 2, 3, 4);
    float[] v = d.toFloatArray();
    float[] sum = new float[2 * 4], max = new float[2 * 4];
    java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
    for (int b = 0; b < 2; b++) {
      for (int c = 0; c < 3; c++) {
        for (int k = 0; k < 4; k++) {
          sum[b * 4 + k] += v[(b * 3 + c) * 4 + k];
          max[b * 4 + k] = Math.max(max[b * 4 + k], v[(b * 3 + c) * 4 + k]);
        }
      }
    }
    float[] mean = sum.clone();
    for (int i = 0; i < mean.length; i++) mean[i] /= 3;
    assertClose(run("sum", Map.of("axis", "(1,)"), d), Shape.of(2, 4), sum);
    assertClose(run("max", Map.of("axis", "(1,)", "keepdims", "True"), d), Shape.of(2, 1, 4), max);
    assertClose(run("mean", Map.of("axis", "(0, 2)", "exclude", "True"), d), Shape.of(2, 4), mean);
    float total = 0;
    for (float x : v) total += x;
    assertClose(run("sum", Map.of(), d), Shape.of(), new float[] {total});
  }
}
