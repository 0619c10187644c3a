package org.nnvm4j.tensor.topi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;

/** get_valid_counts and non_max_suppression run by the TIR interpreter against a plain-Java reference. */
class DetectionTest {
  static final Detection.BoxLayout LAYOUT = new Detection.BoxLayout(2, 1, 0);

  /** Java reference of get_valid_counts: [count per batch] followed by the moved rows. */
  static float[][] refValidCounts(float[] d, int batch, int n, int k, float thr, int idIndex, int scoreIndex) {
    float[] counts = new float[batch];
    float[] out = new float[d.length];
    Arrays.fill(out, -1);
    for (int b = 0; b < batch; b++) {
      int c = 0;
      for (int i = 0; i < n; i++) {
        int r = (b * n + i) * k;
        if (d[r + scoreIndex] > thr && (idIndex < 0 || d[r + idIndex] >= 0)) {
          System.arraycopy(d, r, out, (b * n + c) * k, k);
          c++;
        }
      }
      counts[b] = c;
    }
    return new float[][] {counts, out};
  }

  static float iou(float[] o, int a, int c, int cs) {
    float w = Math.max(0, Math.min(o[a + cs + 2], o[c + cs + 2]) - Math.max(o[a + cs], o[c + cs]));
    float h = Math.max(0, Math.min(o[a + cs + 3], o[c + cs + 3]) - Math.max(o[a + cs + 1], o[c + cs + 1]));
    float inter = w * h;
    float union = (o[a + cs + 2] - o[a + cs]) * (o[a + cs + 3] - o[a + cs + 1]) + (o[c + cs + 2] - o[c + cs]) * (o[c + cs + 3] - o[c + cs + 1]) - inter;
    return union > 0 ? inter / union : 0;
  }

  /** Java reference of non_max_suppression (list sort, greedy loop). */
  static float[] refNms(float[] d, int[] valid, int batch, int n, int k, Detection.NmsParams p) {
    Detection.BoxLayout l = p.layout();
    float[] out = new float[d.length];
    Arrays.fill(out, -1);
    for (int b = 0; b < batch; b++) {
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < Math.max(0, Math.min(valid[b], n)); i++) idx.add(i);
      final int base = b * n * k;
      idx.sort((x, y) -> Float.compare(d[base + y * k + l.scoreIndex()], d[base + x * k + l.scoreIndex()]));
      if (p.topK() >= 0 && idx.size() > p.topK()) idx = idx.subList(0, p.topK());
      float[][] rows = new float[idx.size()][];
      for (int i = 0; i < rows.length; i++) rows[i] = Arrays.copyOfRange(d, base + idx.get(i) * k, base + idx.get(i) * k + k);
      boolean[] dead = new boolean[rows.length];
      for (int i = 0; i < rows.length; i++) dead[i] = rows[i][l.scoreIndex()] < 0;
      int kept = 0;
      for (int i = 0; i < rows.length; i++) {
        if (dead[i]) continue;
        if (p.maxOutputSize() >= 0 && kept >= p.maxOutputSize()) { dead[i] = true; continue; }
        kept++;
        for (int j = i + 1; j < rows.length; j++) {
          if (dead[j] || (!p.forceSuppress() && l.idIndex() >= 0 && rows[i][l.idIndex()] != rows[j][l.idIndex()])) continue;
          float[] pair = new float[2 * k];
          System.arraycopy(rows[i], 0, pair, 0, k);
          System.arraycopy(rows[j], 0, pair, k, k);
          if (iou(pair, 0, k, l.coordStart()) >= p.iouThreshold()) dead[j] = true;
        }
      }
      int w = 0;
      for (int i = 0; i < rows.length; i++) {
        int slot = p.invalidToBottom() ? w : i;
        if (!dead[i]) { System.arraycopy(rows[i], 0, out, base + slot * k, k); w++; }
      }
    }
    return out;
  }

  /** Random boxes [B, N, 6] with few classes, scores on a coarse grid (ties) and heavily overlapping corners. */
  static float[] boxes(long seed, int batch, int n) {
    Random r = new Random(seed);
    float[] d = new float[batch * n * 6];
    for (int i = 0; i < batch * n; i++) {
      float x = r.nextInt(8), y = r.nextInt(8);
      d[i * 6] = r.nextInt(3) - (r.nextInt(8) == 0 ? 1 : 0);
      d[i * 6 + 1] = r.nextInt(6) / 5f - 0.2f;
      d[i * 6 + 2] = x;
      d[i * 6 + 3] = y;
      d[i * 6 + 4] = x + 1 + r.nextInt(6);
      d[i * 6 + 5] = y + 1 + r.nextInt(6);
    }
    return d;
  }

  static void run(List<Tensor> args, List<NDArray> arrays, Tensor... outs) {
    Schedule s = Schedule.create(Arrays.stream(outs).map(Tensor::op).toList());
    PrimFunc f = Lower.lower(s, args, "detection");
    Interpreter.run(f, arrays);
  }

  /** Work-group sizes for the GPU form: one work-item, sizes that do not divide the rows, more than the rows. */
  static final int[] THREADS = {1, 3, 8, 64};

  /** Builds get_valid_counts over x with id_index; {@code c} numbers the case. */
  interface GvcForm { List<Tensor> build(Tensor x, int idIndex, int c); }

  /** Builds non_max_suppression over x and valid count v; {@code c} numbers the case. */
  interface NmsForm { Tensor build(Tensor x, Tensor v, Detection.NmsParams p, int c); }

  @Test
  void getValidCountsMovesTheValidRowsUp() {
    checkValidCounts((x, id, c) -> Detection.getValidCounts(x, 0.3, id, 1, "gvc"));
  }

  @Test
  void gpuGetValidCountsMovesTheSameRows() {
    checkValidCounts((x, id, c) -> DetectionGpu.getValidCounts(x, 0.3, id, 1, THREADS[c % THREADS.length], "gvc"));
  }

  @Test
  void nonMaxSuppressionMatchesTheGreedyReference() {
    assertThat(checkNms((x, v, p, c) -> Detection.nonMaxSuppression(x, v, p, "nms"))).isEqualTo(240);
  }

  @Test
  void gpuNonMaxSuppressionMatchesTheGreedyReference() {
    assertThat(checkNms((x, v, p, c) -> DetectionGpu.nonMaxSuppression(x, v, p, THREADS[c % THREADS.length], "nms"))).isEqualTo(240);
  }

  /** With a symbolic box count the GPU form takes maxThreads work-items, compiled once for every count. */
  @Test
  void gpuFormTakesASymbolicBoxCount() {
    Tensor x = Te.placeholder(List.of(org.nnvm4j.tensor.tir.IrOps.i32(2), Te.var("n"), org.nnvm4j.tensor.tir.IrOps.i32(6)), DType.F32, "x");
    Tensor v = Te.placeholder(Te.shape(2), DType.I32, "v");
    List<Tensor> gvc = DetectionGpu.getValidCounts(x, 0.3, 0, 1, 8, "gvc");
    Detection.NmsParams p = new Detection.NmsParams(0.5, false, 6, -1, LAYOUT, true);
    Tensor nms = DetectionGpu.nonMaxSuppression(x, v, p, 8, "nms");
    for (int n : new int[] {1, 5, 37}) {
      float[] d = boxes(n + 100, 2, n);
      float[][] ref = refValidCounts(d, 2, n, 6, 0.3f, 0, 1);
      int[] valid = {(int) ref[0][0], (int) ref[0][1]};
      try (NDArray in = NDArray.of(d, Shape.of(2, n, 6)); NDArray c = NDArray.allocate(DType.I32, Shape.of(2));
           NDArray out = NDArray.allocate(DType.F32, Shape.of(2, n, 6)); NDArray moved = NDArray.of(ref[1], Shape.of(2, n, 6));
           NDArray vc = NDArray.of(valid, Shape.of(2)); NDArray kept = NDArray.allocate(DType.F32, Shape.of(2, n, 6))) {
        run(List.of(x, gvc.get(0), gvc.get(1)), List.of(in, c, out), gvc.get(0), gvc.get(1));
        assertThat(c.toIntArray()).as("counts, n %d", n).containsExactly(valid);
        assertThat(out.toFloatArray()).as("rows, n %d", n).containsExactly(ref[1]);
        run(List.of(x, v, nms), List.of(moved, vc, kept), nms);
        assertThat(kept.toFloatArray()).as("nms, n %d", n).containsExactly(refNms(ref[1], valid, 2, n, 6, p));
      }
    }
  }

  static void checkValidCounts(GvcForm form) {
    int cases = 0;
    for (int[] bn : new int[][] {{1, 1}, {2, 7}, {3, 16}, {2, 75}}) {
      int batch = bn[0], n = bn[1];
      float[] d = boxes(bn[1], batch, n);
      for (int idIndex : new int[] {0, -1}) {
        Tensor x = Te.placeholder(Te.shape(batch, n, 6), DType.F32, "x");
        List<Tensor> o = form.build(x, idIndex, cases++);
        float[][] ref = refValidCounts(d, batch, n, 6, 0.3f, idIndex, 1);
        try (NDArray in = NDArray.of(d, Shape.of(batch, n, 6)); NDArray c = NDArray.allocate(DType.I32, Shape.of(batch));
             NDArray out = NDArray.allocate(DType.F32, Shape.of(batch, n, 6))) {
          run(List.of(x, o.get(0), o.get(1)), List.of(in, c, out), o.get(0), o.get(1));
          for (int b = 0; b < batch; b++) assertThat(c.getLong(b)).as("count %d of %s", b, Arrays.toString(bn)).isEqualTo((long) ref[0][b]);
          assertThat(out.toFloatArray()).as("rows of %s id %d", Arrays.toString(bn), idIndex).containsExactly(ref[1]);
        }
      }
    }
  }

  static int checkNms(NmsForm form) {
    int cases = 0;
    for (int[] bn : new int[][] {{1, 1}, {1, 5}, {2, 13}, {3, 32}}) {
      int batch = bn[0], n = bn[1];
      float[] d = boxes(31L * n + batch, batch, n);
      int[] valid = new int[batch];
      for (int b = 0; b < batch; b++) valid[b] = b == 0 ? n : (n * (b + 1)) / (batch + 2);
      for (double thr : new double[] {0.5, 0.0, 1.0}) {
        for (boolean force : new boolean[] {false, true}) {
          for (int[] km : new int[][] {{-1, -1}, {3, -1}, {-1, 2}, {4, 1}, {0, -1}}) {
            for (boolean bottom : new boolean[] {false, true}) {
              Detection.NmsParams p = new Detection.NmsParams(thr, force, km[0], km[1], LAYOUT, bottom);
              Tensor x = Te.placeholder(Te.shape(batch, n, 6), DType.F32, "x");
              Tensor v = Te.placeholder(Te.shape(batch), DType.I32, "v");
              Tensor o = form.build(x, v, p, cases);
              try (NDArray in = NDArray.of(d, Shape.of(batch, n, 6)); NDArray vc = NDArray.of(valid, Shape.of(batch));
                   NDArray out = NDArray.allocate(DType.F32, Shape.of(batch, n, 6))) {
                run(List.of(x, v, o), List.of(in, vc, out), o);
                assertThat(out.toFloatArray()).as("%s %s case %d", Arrays.toString(bn), p, cases).containsExactly(refNms(d, valid, batch, n, 6, p));
              }
              cases++;
            }
          }
        }
      }
    }
    return cases;
  }

  @Test
  void suppressesAnOverlappingLowerScoreBoxOfTheSameClassOnly() {
    // Box 0 (class 0, 0.9) overlaps box 1 (class 0, 0.8, IoU 0.81) and box 2 (class 1, 0.7); box 3 is apart.
    float[] d = {0, 0.9f, 0, 0, 10, 10, 0, 0.8f, 0, 0, 9, 9, 1, 0.7f, 0, 0, 10, 10, 0, 0.6f, 20, 20, 30, 30};
    Tensor x = Te.placeholder(Te.shape(1, 4, 6), DType.F32, "x");
    Tensor v = Te.placeholder(Te.shape(1), DType.I32, "v");
    for (boolean force : new boolean[] {false, true}) {
      Tensor o = Detection.nonMaxSuppression(x, v, new Detection.NmsParams(0.5, force, -1, -1, LAYOUT, true), "nms");
      try (NDArray in = NDArray.of(d, Shape.of(1, 4, 6)); NDArray vc = NDArray.of(new int[] {4}, Shape.of(1));
           NDArray out = NDArray.allocate(DType.F32, Shape.of(1, 4, 6))) {
        run(List.of(x, v, o), List.of(in, vc, out), o);
        float[] got = out.toFloatArray();
        assertThat(Arrays.copyOfRange(got, 0, 6)).containsExactly(0, 0.9f, 0, 0, 10, 10);
        if (force) {
          assertThat(Arrays.copyOfRange(got, 6, 12)).containsExactly(0, 0.6f, 20, 20, 30, 30);
          assertThat(Arrays.copyOfRange(got, 12, 24)).containsOnly(-1f);
        } else {
          assertThat(Arrays.copyOfRange(got, 6, 12)).containsExactly(1, 0.7f, 0, 0, 10, 10);
          assertThat(Arrays.copyOfRange(got, 12, 18)).containsExactly(0, 0.6f, 20, 20, 30, 30);
          assertThat(Arrays.copyOfRange(got, 18, 24)).containsOnly(-1f);
        }
      }
    }
  }
}
