package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

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
 * grid_sample (every mode, padding and align_corners, with grid points outside the image) and
 * roi_align (avg and max, both coordinate modes, boxes partly outside) against plain Java written
 * from ONNX Runtime's definitions. Tolerance |a - d| <= 1e-5 + 1e-4 |d| (float32 kernels against a
 * reference that sums in double).
 */
class VisionOpsTest {
  static void assertClose(NDArray actual, Shape shape, double[] want) {
    assertThat(actual.shape()).isEqualTo(shape);
    float[] a = actual.toFloatArray();
    for (int i = 0; i < want.length; i++) {
      assertThat(Math.abs(a[i] - want[i])).as("element %d: %f vs %f", i, a[i], want[i]).isLessThanOrEqualTo(1e-5 + 1e-4 * Math.abs(want[i]));
    }
  }

  /** The plain-Java grid sampler: one image plane [h, w] at pixel coordinates. */
  record Plane(float[] v, int off, int h, int w, String padding, boolean align) {
    float lo() { return align ? 0 : -0.5f; }

    float hiX() { return align ? w - 1 : w - 0.5f; }

    float hiY() { return align ? h - 1 : h - 0.5f; }

    static float reflect(float x, float lo, float hi) {
      float range = hi - lo;
      if (x < lo) {
        float dx = lo - x;
        int n = (int) (dx / range);
        float r = dx - n * range;
        return n % 2 == 0 ? lo + r : hi - r;
      }
      if (x > hi) {
        float dx = x - hi;
        int n = (int) (dx / range);
        float r = dx - n * range;
        return n % 2 == 0 ? hi - r : lo + r;
      }
      return x;
    }

    double at(int r, int c) {
      switch (padding) {
        case "zeros" -> {
          return r >= 0 && r < h && c >= 0 && c < w ? v[off + r * w + c] : 0;
        }
        case "border" -> {
          return v[off + Math.clamp(r, 0, h - 1) * w + Math.clamp(c, 0, w - 1)];
        }
        default -> {
          int rr = (int) reflect(r, lo(), hiY());
          int cc = (int) reflect(c, lo(), hiX());
          return v[off + rr * w + cc];
        }
      }
    }
  }

  static double[] cubic(double t) {
    double a = -0.75;
    double[] s = {t + 1, t, 1 - t, 2 - t};
    double[] c = new double[4];
    for (int k = 0; k < 4; k++) {
      double x = s[k];
      c[k] = k == 1 || k == 2 ? ((a + 2) * x - (a + 3)) * x * x + 1 : ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }
    return c;
  }

  static double[] gridSample(NDArray data, NDArray grid, String mode, String padding, boolean align) {
    long[] d = data.shape().toArray();
    long[] g = grid.shape().toArray();
    float[] x = data.toFloatArray();
    float[] gr = grid.toFloatArray();
    int h = (int) d[2];
    int w = (int) d[3];
    double[] out = new double[(int) (d[0] * d[1] * g[1] * g[2])];
    int k = 0;
    for (int n = 0; n < d[0]; n++) {
      for (int c = 0; c < d[1]; c++) {
        Plane p = new Plane(x, (int) ((n * d[1] + c) * h * w), h, w, padding, align);
        for (int i = 0; i < g[1]; i++) {
          for (int j = 0; j < g[2]; j++) {
            int gi = (int) (((n * g[1] + i) * g[2] + j) * 2);
            float px = align ? (gr[gi] + 1) / 2 * (w - 1) : ((gr[gi] + 1) * w - 1) / 2;
            float py = align ? (gr[gi + 1] + 1) / 2 * (h - 1) : ((gr[gi + 1] + 1) * h - 1) / 2;
            if (mode.equals("nearest")) {
              px = (float) Math.rint(px);
              py = (float) Math.rint(py);
            }
            if (px < p.lo() || px > p.hiX() || py < p.lo() || py > p.hiY()) {
              if (padding.equals("border")) {
                px = Math.clamp(px, 0, w - 1);
                py = Math.clamp(py, 0, h - 1);
              } else if (padding.equals("reflection")) {
                px = Plane.reflect(px, p.lo(), p.hiX());
                py = Plane.reflect(py, p.lo(), p.hiY());
              }
            }
            out[k++] = switch (mode) {
              case "nearest" -> p.at((int) py, (int) px);
              case "bilinear" -> {
                int x1 = (int) Math.floor(px);
                int y1 = (int) Math.floor(py);
                double dx1 = px - x1, dy1 = py - y1, dx2 = 1 - dx1, dy2 = 1 - dy1;
                yield dy2 * (dx2 * p.at(y1, x1) + dx1 * p.at(y1, x1 + 1)) + dy1 * (dx2 * p.at(y1 + 1, x1) + dx1 * p.at(y1 + 1, x1 + 1));
              }
              default -> {
                int x0 = (int) Math.floor(px) - 1;
                int y0 = (int) Math.floor(py) - 1;
                double[] cx = cubic(px - Math.floor(px));
                double[] cy = cubic(py - Math.floor(py));
                double s = 0;
                for (int a = 0; a < 4; a++) {
                  double row = 0;
                  for (int b = 0; b < 4; b++) row += cx[b] * p.at(y0 + a, x0 + b);
                  s += cy[a] * row;
                }
                yield s;
              }
            };
          }
        }
      }
    }
    return out;
  }

  @Test
  void gridSampleEveryModePaddingAndAlignment() {
    NDArray data = random(1, 2, 3, 5, 4);
    NDArray grid = random(2, 2, 3, 7, 2);
    // Stretch the grid to [-1.6, 1.6] so that points fall outside the image (and reflect more than once).
    float[] g = grid.toFloatArray();
    for (int i = 0; i < g.length; i++) g[i] *= 1.6f;
    grid.copyFrom(g);
    for (String mode : new String[] {"nearest", "bilinear", "bicubic"}) {
      for (String padding : new String[] {"zeros", "border", "reflection"}) {
        for (boolean align : new boolean[] {false, true}) {
          NDArray y = run("grid_sample", Map.of("mode", mode, "padding_mode", padding, "align_corners", align ? "True" : "False"), data, grid);
          assertClose(y, Shape.of(2, 3, 3, 7), gridSample(data, grid, mode, padding, align));
        }
      }
    }
  }

  static double[] roiAlign(NDArray data, NDArray rois, long[] batch, int oh, int ow, int ratio, double scale, boolean halfPixel,
      boolean max) {
    long[] d = data.shape().toArray();
    float[] x = data.toFloatArray();
    float[] r = rois.toFloatArray();
    int h = (int) d[2];
    int w = (int) d[3];
    int nr = (int) rois.shape().dim(0);
    double[] out = new double[(int) (nr * d[1] * oh * ow)];
    int k = 0;
    double off = halfPixel ? 0.5 : 0;
    for (int q = 0; q < nr; q++) {
      double x1 = r[q * 4] * scale - off, y1 = r[q * 4 + 1] * scale - off, x2 = r[q * 4 + 2] * scale - off, y2 = r[q * 4 + 3] * scale - off;
      double rw = x2 - x1, rh = y2 - y1;
      if (!halfPixel) {
        rw = Math.max(rw, 1);
        rh = Math.max(rh, 1);
      }
      double bh = rh / oh, bw = rw / ow;
      // Adaptive (ratio 0): ceil(extent / bins) samples, computed in float32 as the kernel does.
      int gridH = ratio, gridW = ratio;
      if (ratio == 0) {
        float fo = (float) off, fs = (float) scale;
        float fh = (r[q * 4 + 3] * fs - fo) - (r[q * 4 + 1] * fs - fo), fw = (r[q * 4 + 2] * fs - fo) - (r[q * 4] * fs - fo);
        if (!halfPixel) {
          fh = Math.max(fh, 1);
          fw = Math.max(fw, 1);
        }
        gridH = (int) Math.ceil(fh / oh);
        gridW = (int) Math.ceil(fw / ow);
      }
      for (int c = 0; c < d[1]; c++) {
        int base = (int) ((batch[q] * d[1] + c) * h * w);
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            for (int iy = 0; iy < gridH; iy++) {
              for (int ix = 0; ix < gridW; ix++) {
                double y = y1 + i * bh + (iy + 0.5) * bh / gridH;
                double xx = x1 + j * bw + (ix + 0.5) * bw / gridW;
                double v;
                if (y < -1 || y > h || xx < -1 || xx > w) {
                  v = 0;
                } else {
                  y = Math.max(y, 0);
                  xx = Math.max(xx, 0);
                  int yl = (int) y, xl = (int) xx, yh, xh;
                  if (yl >= h - 1) {
                    yh = yl = h - 1;
                    y = yl;
                  } else {
                    yh = yl + 1;
                  }
                  if (xl >= w - 1) {
                    xh = xl = w - 1;
                    xx = xl;
                  } else {
                    xh = xl + 1;
                  }
                  double ly = y - yl, lx = xx - xl, hy = 1 - ly, hx = 1 - lx;
                  double[] t = {hy * hx * x[base + yl * w + xl], hy * lx * x[base + yl * w + xh], ly * hx * x[base + yh * w + xl],
                      ly * lx * x[base + yh * w + xh]};
                  v = max ? Math.max(Math.max(t[0], t[1]), Math.max(t[2], t[3])) : t[0] + t[1] + t[2] + t[3];
                }
                acc = max ? Math.max(acc, v) : acc + v;
              }
            }
            out[k++] = gridH * gridW == 0 ? 0 : max ? acc : acc / (gridH * gridW);
          }
        }
      }
    }
    return out;
  }

  @Test
  void roiAlignAvgAndMaxInBothCoordinateModesWithFixedAndAdaptiveGrids() {
    NDArray data = random(3, 2, 3, 6, 7);
    // The last box is empty: with half_pixel and an adaptive grid it has no samples at all (its bins are 0).
    NDArray rois = NDArray.of(new float[] {0.5f, 1f, 5.5f, 4f, -1.5f, -1f, 3f, 8f, 2f, 2.2f, 2.4f, 2.5f, 4f, 0f, 9f, 3f, 3f, 3f, 3f, 3f},
        Shape.of(5, 4));
    long[] batch = {0, 1, 1, 0, 1};
    NDArray idx = NDArray.allocate(DType.I64, Shape.of(5));
    for (int i = 0; i < 5; i++) idx.setDouble(i, batch[i]);
    for (boolean half : new boolean[] {true, false}) {
      for (boolean max : new boolean[] {false, true}) {
        for (int ratio : new int[] {1, 3, 0}) {
          Map<String, String> a = Map.of("pooled_size", "(3, 2)", "sampling_ratio", Integer.toString(ratio), "spatial_scale", "0.75",
              "mode", max ? "max" : "avg", "coordinate_transformation_mode", half ? "half_pixel" : "output_half_pixel", "max_grid", "(4, 3)");
          assertClose(run("roi_align", a, data, rois, idx), Shape.of(5, 3, 3, 2), roiAlign(data, rois, batch, 3, 2, ratio, 0.75, half, max));
        }
      }
    }
  }

  @Test
  void badShapesNameTheOp() {
    Symbol x = Symbol.variable("x");
    Symbol g = Symbol.variable("g");
    assertThatThrownBy(() -> InferShape.apply(Graph.create(Symbol.create("grid_sample", "gs", Map.of(), x, g)),
        Map.of("x", Shape.of(1, 2, 3, 4), "g", Shape.of(1, 5, 5, 3))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'gs'").hasMessageContaining("expected [N, C, H, W] and [N, Ho, Wo, 2]");
    assertThatThrownBy(() -> Symbol.create("grid_sample", "gs2", Map.of("mode", "area"), x, g))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'mode' = 'area': expected one of [bilinear, nearest, bicubic]");
    Symbol b = Symbol.variable("b");
    assertThatThrownBy(() -> InferShape.apply(Graph.create(Symbol.create("roi_align", "ra", Map.of("pooled_size", "2", "sampling_ratio", "2"),
        x, g, b)), Map.of("x", Shape.of(1, 2, 3, 4), "g", Shape.of(3, 4), "b", Shape.of(2))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'ra'").hasMessageContaining("batch_indices");
    assertThatThrownBy(() -> Symbol.create("roi_align", "ra2", Map.of("pooled_size", "2", "sampling_ratio", "-1"), x, g, b))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'sampling_ratio' = '-1': expected a non-negative integer");
    assertThatThrownBy(() -> InferShape.apply(Graph.create(Symbol.create("roi_align", "ra3", Map.of("pooled_size", "2", "sampling_ratio", "0"),
        x, g, b)), Map.of("x", Shape.of(1, 2, 3, 4), "g", Shape.of(3, 4), "b", Shape.of(3))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'ra3'").hasMessageContaining("needs a positive max_grid");
  }
}
