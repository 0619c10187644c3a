package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.NnOpsTest.assertClose;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** {@code lrn} in the TIR interpreter against plain Java loops, odd and even window sizes, axis 1 and the last axis. Tolerance 1e-5 + 1e-5 |d|. */
class LrnOpsTest {
  static float[] lrn(float[] x, long[] shape, int axis, int size, double alpha, double beta, double bias) {
    float[] out = new float[x.length];
    int before = (size - 1) / 2;
    for (int f = 0; f < x.length; f++) {
      int[] idx = NdReference.unflat(shape, f);
      double sq = 0;
      for (int c = idx[axis] - before; c <= idx[axis] + size - 1 - before; c++) {
        if (c < 0 || c >= shape[axis]) continue;
        int[] at = idx.clone();
        at[axis] = c;
        double v = x[NdReference.flat(shape, at)];
        sq += v * v;
      }
      out[f] = (float) (x[f] / Math.pow(bias + alpha / size * sq, beta));
    }
    return out;
  }

  @Test
  void oddAndEvenWindowsAcrossChannels() {
    NDArray x = random(1, 2, 7, 3, 3);
    for (int size : new int[] {1, 3, 4, 5}) {
      assertClose(run("lrn", Map.of("size", Integer.toString(size), "alpha", "0.002", "beta", "0.5", "bias", "1.5"), x), x.shape(),
          lrn(x.toFloatArray(), x.shape().toArray(), 1, size, 0.002, 0.5, 1.5));
    }
  }

  @Test
  void lastAxisWithNnvmDefaults() {
    NDArray x = random(2, 3, 6);
    assertClose(run("lrn", Map.of("axis", "-1"), x), Shape.of(3, 6), lrn(x.toFloatArray(), x.shape().toArray(), 1, 5, 1e-4, 0.75, 2));
  }
}
