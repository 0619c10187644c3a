package org.nnvm4j.tensor.topi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;

/** multibox_prior, yolo_reorg and roi_pool run by the TIR interpreter against plain-Java references. */
class DetectionPriorTest {
  static float[] random(long seed, int n) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = r.nextFloat() * 2 - 1;
    return v;
  }

  @Test
  void multiboxPriorMatchesTheAnchorFormula() {
    Object[][] cases = {
        {3, 5, new Detection.PriorParams(new double[] {0.5}, new double[] {1}, -1, -1, 0.5, 0.5, false)},
        {4, 4, new Detection.PriorParams(new double[] {0.3, 0.6, 0.9}, new double[] {1, 2, 0.5}, -1, -1, 0.5, 0.5, true)},
        {1, 7, new Detection.PriorParams(new double[] {1.2}, new double[] {1, 3}, 0.2, 0.1, 0.25, 0, false)}};
    for (Object[] c : cases) {
      int h = (int) c[0], w = (int) c[1];
      Detection.PriorParams p = (Detection.PriorParams) c[2];
      int per = p.sizes().length + p.ratios().length - 1;
      Tensor x = Te.placeholder(Te.shape(2, 3, h, w), DType.F32, "x");
      Tensor o = Detection.multiboxPrior(x, p, "prior");
      float[] want = new float[h * w * per * 4];
      double sh = p.stepH() < 0 ? 1.0 / h : p.stepH(), sw = p.stepW() < 0 ? 1.0 / w : p.stepW();
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          for (int k = 0; k < per; k++) {
            double cy = (i + p.offsetH()) * sh, cx = (j + p.offsetW()) * sw, bw, bh;
            if (k < p.sizes().length) {
              bw = p.sizes()[k] * h / w / 2;
              bh = p.sizes()[k] / 2;
            } else {
              double r = Math.sqrt(p.ratios()[k - p.sizes().length + 1]);
              bw = p.sizes()[0] * h / w * r / 2;
              bh = p.sizes()[0] / r / 2;
            }
            double[] box = {cx - bw, cy - bh, cx + bw, cy + bh};
            for (int e = 0; e < 4; e++) want[((i * w + j) * per + k) * 4 + e] = (float) (p.clip() ? Math.max(0, Math.min(1, box[e])) : box[e]);
          }
        }
      }
      try (NDArray in = NDArray.allocate(DType.F32, Shape.of(2, 3, h, w)); NDArray out = NDArray.allocate(DType.F32, Shape.of(1, h * w * per, 4))) {
        DetectionTest.run(List.of(x, o), List.of(in, out), o);
        float[] got = out.toFloatArray();
        for (int i = 0; i < want.length; i++) {
          assertThat((double) got[i]).as("%dx%d element %d", h, w, i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-6 + 1e-6 * Math.abs(want[i])));
        }
      }
    }
  }

  @Test
  void yoloReorgIsDarknetsSpaceToDepth() {
    for (int[] c : new int[][] {{1, 1, 2, 2, 2}, {2, 3, 6, 4, 2}, {1, 5, 9, 3, 3}}) {
      int b = c[0], ch = c[1], h = c[2], w = c[3], s = c[4];
      float[] d = random(h * 31L + w, b * ch * h * w);
      Tensor x = Te.placeholder(Te.shape(b, ch, h, w), DType.F32, "x");
      Tensor o = Detection.yoloReorg(x, s, "reorg");
      int oc = ch * s * s, oh = h / s, ow = w / s;
      float[] want = new float[d.length];
      // Darknet's reorg_cpu (forward = 0) over the output extents: out_c = C, offset = k / C.
      for (int n = 0; n < b; n++) {
        for (int k = 0; k < oc; k++) {
          for (int j = 0; j < oh; j++) {
            for (int i = 0; i < ow; i++) {
              int c2 = k % ch, off = k / ch, w2 = i * s + off % s, h2 = j * s + off / s;
              want[((n * oc + k) * oh + j) * ow + i] = d[w2 + w * (h2 + h * (c2 + ch * n))];
            }
          }
        }
      }
      try (NDArray in = NDArray.of(d, Shape.of(b, ch, h, w)); NDArray out = NDArray.allocate(DType.F32, Shape.of(b, oc, oh, ow))) {
        DetectionTest.run(List.of(x, o), List.of(in, out), o);
        assertThat(out.toFloatArray()).as(Arrays.toString(c)).containsExactly(want);
      }
    }
  }

  /** Java reference of max ROI pooling. */
  static float[] refRoiPool(float[] d, int n, int ch, int h, int w, float[] rois, int nr, int ph, int pw, float scale) {
    float[] out = new float[nr * ch * ph * pw];
    for (int r = 0; r < nr; r++) {
      int b = Math.max(0, Math.min((int) rois[r * 5], n - 1));
      int x1 = (int) Math.rint(rois[r * 5 + 1] * scale), y1 = (int) Math.rint(rois[r * 5 + 2] * scale);
      int x2 = (int) Math.rint(rois[r * 5 + 3] * scale), y2 = (int) Math.rint(rois[r * 5 + 4] * scale);
      float bh = Math.max(y2 - y1 + 1, 1) / (float) ph, bw = Math.max(x2 - x1 + 1, 1) / (float) pw;
      for (int c = 0; c < ch; c++) {
        for (int i = 0; i < ph; i++) {
          for (int j = 0; j < pw; j++) {
            int hs = Math.min(Math.max((int) Math.floor(i * bh) + y1, 0), h), he = Math.min(Math.max((int) Math.ceil((i + 1) * bh) + y1, 0), h);
            int ws = Math.min(Math.max((int) Math.floor(j * bw) + x1, 0), w), we = Math.min(Math.max((int) Math.ceil((j + 1) * bw) + x1, 0), w);
            float m = Float.NEGATIVE_INFINITY;
            for (int y = hs; y < he; y++) for (int x = ws; x < we; x++) m = Math.max(m, d[((b * ch + c) * h + y) * w + x]);
            out[((r * ch + c) * ph + i) * pw + j] = he <= hs || we <= ws ? 0 : m;
          }
        }
      }
    }
    return out;
  }

  static float[] rois(long seed, int nr, int n, float extent) {
    Random r = new Random(seed);
    float[] v = new float[nr * 5];
    for (int i = 0; i < nr; i++) {
      float x = r.nextFloat() * extent * 1.2f - extent * 0.2f, y = r.nextFloat() * extent * 1.2f - extent * 0.2f;
      v[i * 5] = r.nextInt(n);
      v[i * 5 + 1] = x;
      v[i * 5 + 2] = y;
      v[i * 5 + 3] = x + r.nextFloat() * extent * (i % 3 == 0 ? 0.1f : 0.7f);
      v[i * 5 + 4] = y + r.nextFloat() * extent * 0.7f;
    }
    return v;
  }

  @Test
  void roiPoolMatchesTheBinnedMax() {
    for (int[] c : new int[][] {{1, 1, 5, 5, 3, 2, 2}, {2, 3, 9, 13, 7, 3, 2}, {1, 2, 16, 16, 5, 7, 7}}) {
      int n = c[0], ch = c[1], h = c[2], w = c[3], nr = c[4], ph = c[5], pw = c[6];
      for (float scale : new float[] {1f, 0.5f}) {
        float[] d = random(c[2] * 7L + c[3], n * ch * h * w);
        float[] r = rois(c[4], nr, n, Math.max(h, w) / scale);
        Tensor x = Te.placeholder(Te.shape(n, ch, h, w), DType.F32, "x");
        Tensor rt = Te.placeholder(Te.shape(nr, 5), DType.F32, "rois");
        Tensor o = Detection.roiPool(x, rt, ph, pw, scale, "roi_pool");
        try (NDArray in = NDArray.of(d, Shape.of(n, ch, h, w)); NDArray ri = NDArray.of(r, Shape.of(nr, 5));
             NDArray out = NDArray.allocate(DType.F32, Shape.of(nr, ch, ph, pw))) {
          DetectionTest.run(List.of(x, rt, o), List.of(in, ri, out), o);
          assertThat(out.toFloatArray()).as("%s scale %s", Arrays.toString(c), scale).containsExactly(refRoiPool(d, n, ch, h, w, r, nr, ph, pw, scale));
        }
      }
    }
  }
}
