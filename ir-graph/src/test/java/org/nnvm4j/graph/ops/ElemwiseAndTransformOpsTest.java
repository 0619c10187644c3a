package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** The element-wise, broadcast and layout ops against plain Java: these move or combine values exactly. */
class ElemwiseAndTransformOpsTest {
  private static void assertExact(NDArray actual, Shape shape, float[] desired) {
    assertThat(actual.shape()).isEqualTo(shape);
    assertThat(actual.toFloatArray()).containsExactly(desired);
  }

  @Test
  void broadcastBinaryOps() {
    NDArray a = random(1, 2, 1, 3), b = random(2, 4, 1);
    float[] av = a.toFloatArray(), bv = b.toFloatArray();
    float[] add = new float[24], div = new float[24];
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 4; j++) {
        for (int k = 0; k < 3; k++) {
          add[(i * 4 + j) * 3 + k] = av[i * 3 + k] + bv[j];
          div[(i * 4 + j) * 3 + k] = av[i * 3 + k] / bv[j];
        }
      }
    }
    assertExact(run("broadcast_add", Map.of(), a, b), Shape.of(2, 4, 3), add);
    assertExact(run("broadcast_div", Map.of(), a, b), Shape.of(2, 4, 3), div);
  }

  @Test
  void scalarClipAndLeakyRelu() {
    NDArray x = NDArray.of(-2f, -0.5f, 0f, 0.5f, 2f);
    assertExact(run("__add_scalar__", Map.of("scalar", "1.5"), x), Shape.of(5), new float[] {-0.5f, 1f, 1.5f, 2f, 3.5f});
    assertExact(run("__mul_scalar__", Map.of("scalar", "3"), x), Shape.of(5), new float[] {-6f, -1.5f, 0f, 1.5f, 6f});
    assertExact(run("clip", Map.of("a_min", "-1", "a_max", "0.75"), x), Shape.of(5), new float[] {-1f, -0.5f, 0f, 0.5f, 0.75f});
    assertExact(run("leaky_relu", Map.of("alpha", "0.5"), x), Shape.of(5), new float[] {-1f, -0.25f, 0f, 0.5f, 2f});
    assertExact(run("dropout", Map.of(), x), Shape.of(5), x.toFloatArray());
    assertExact(run("__rdiv_scalar__", Map.of("scalar", "2"), NDArray.of(-2f, -0.5f, 0.5f, 4f)), Shape.of(4), new float[] {-1f, -4f, 4f, 0.5f});
  }

  @Test
  void reshapeWithSpecialValuesAndFlatten() {
    NDArray x = random(3, 2, 3, 4);
    float[] v = x.toFloatArray();
    assertExact(run("reshape", Map.of("shape", "(0, -1)"), x), Shape.of(2, 12), v);
    assertExact(run("reshape", Map.of("shape", "(-3, 2, 2)"), x), Shape.of(6, 2, 2), v);
    assertExact(run("reshape", Map.of("shape", "(0, -3)"), x), Shape.of(2, 12), v);
    assertExact(run("flatten", Map.of(), x), Shape.of(2, 12), v);
  }

  @Test
  void transposeDefaultsToReversal() {
    NDArray x = random(4, 2, 3, 4);
    float[] v = x.toFloatArray();
    float[] rev = new float[24], perm = new float[24];
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 4; k++) {
          rev[(k * 3 + j) * 2 + i] = v[(i * 3 + j) * 4 + k];
          perm[(i * 4 + k) * 3 + j] = v[(i * 3 + j) * 4 + k];
        }
      }
    }
    assertExact(run("transpose", Map.of(), x), Shape.of(4, 3, 2), rev);
    assertExact(run("transpose", Map.of("axes", "(0, 2, 1)"), x), Shape.of(2, 4, 3), perm);
  }

  @Test
  void concatenateExpandDimsSqueeze() {
    NDArray a = random(5, 2, 1, 2), b = random(6, 2, 3, 2);
    float[] av = a.toFloatArray(), bv = b.toFloatArray();
    float[] cat = new float[16];
    for (int i = 0; i < 2; i++) {
      System.arraycopy(av, i * 2, cat, i * 8, 2);
      System.arraycopy(bv, i * 6, cat, i * 8 + 2, 6);
    }
    assertExact(run("concatenate", Map.of("axis", "1"), a, b), Shape.of(2, 4, 2), cat);
    assertExact(run("concatenate", Map.of("axis", "-2"), b, b), Shape.of(2, 6, 2), concatRows(bv));
    assertExact(run("expand_dims", Map.of("axis", "1", "num_newaxis", "2"), a), Shape.of(2, 1, 1, 1, 2), av);
    assertExact(run("squeeze", Map.of(), a), Shape.of(2, 2), av);
    assertExact(run("squeeze", Map.of("axis", "(1,)"), a), Shape.of(2, 2), av);
  }

  @Test
  void stridedSliceClampsAndStepsBackwards() {
    NDArray x = random(7, 3, 5);
    float[] v = x.toFloatArray();
    // rows 1.., columns from the last back to (excluding) 0 in steps of 2: columns 4 and 2.
    float[] want = new float[4];
    int k = 0;
    for (int i = 1; i < 3; i++) for (int j = 4; j > 0; j -= 2) want[k++] = v[i * 5 + j];
    assertExact(run("strided_slice", Map.of("begin", "(1, -1)", "end", "(1000, 0)", "stride", "(1, -2)"), x), Shape.of(2, 2), want);
    // Only the first dimension listed; begin past the end gives an empty slice.
    assertExact(run("strided_slice", Map.of("begin", "(-2,)", "end", "(3,)"), x), Shape.of(2, 5), java.util.Arrays.copyOfRange(v, 5, 15));
    assertThat(run("strided_slice", Map.of("begin", "(5,)", "end", "(9,)"), x).shape()).isEqualTo(Shape.of(0, 5));
  }

  @Test
  void takeGathersWithNegativeIndices() {
    NDArray x = random(8, 3, 4);
    float[] v = x.toFloatArray();
    NDArray idx = NDArray.of(new int[] {-1, 0, 2, 1}, Shape.of(2, 2));
    float[] rows = new float[16];
    int[] at = {2, 0, 2, 1};
    for (int i = 0; i < 4; i++) System.arraycopy(v, at[i] * 4, rows, i * 4, 4);
    assertExact(run("take", Map.of("axis", "0"), x, idx), Shape.of(2, 2, 4), rows);
    float[] cols = new float[12];
    int[] colAt = {3, 0, 2, 1};
    for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) cols[i * 4 + j] = v[i * 4 + colAt[j]];
    assertExact(run("take", Map.of("axis", "-1"), x, idx), Shape.of(3, 2, 2), cols);
  }

  @Test
  void triluAndGatherElements() {
    NDArray x = random(9, 3, 4);
    float[] v = x.toFloatArray();
    float[] upper = new float[12], lower = new float[12];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 4; j++) {
        upper[i * 4 + j] = j - i >= 1 ? v[i * 4 + j] : 0f;
        lower[i * 4 + j] = j - i <= -1 ? v[i * 4 + j] : 0f;
      }
    }
    assertExact(run("trilu", Map.of("k", "1"), x), Shape.of(3, 4), upper);
    assertExact(run("trilu", Map.of("upper", "False", "k", "-1"), x), Shape.of(3, 4), lower);
    NDArray idx = NDArray.of(new int[] {0, -1, 2, 1}, Shape.of(2, 2));
    // axis 1: out[i][j] = x[i][idx[i][j]]; axis 0: out[i][j] = x[idx[i][j]][j].
    assertExact(run("gather_elements", Map.of("axis", "1"), x, idx), Shape.of(2, 2), new float[] {v[0], v[3], v[6], v[5]});
    assertExact(run("gather_elements", Map.of("axis", "0"), x, idx), Shape.of(2, 2), new float[] {v[0], v[9], v[8], v[5]});
  }

  @Test
  void padModes() {
    NDArray x = NDArray.of(1f, 2f, 3f, 4f);
    Map<String, String> p = Map.of("pad_before", "(2,)", "pad_after", "(1,)");
    assertExact(run("pad", withMode(p, "constant", "9"), x), Shape.of(7), new float[] {9f, 9f, 1f, 2f, 3f, 4f, 9f});
    assertExact(run("pad", withMode(p, "edge", "0"), x), Shape.of(7), new float[] {1f, 1f, 1f, 2f, 3f, 4f, 4f});
    assertExact(run("pad", withMode(p, "reflect", "0"), x), Shape.of(7), new float[] {3f, 2f, 1f, 2f, 3f, 4f, 3f});
    assertExact(run("pad", withMode(p, "wrap", "0"), x), Shape.of(7), new float[] {3f, 4f, 1f, 2f, 3f, 4f, 1f});
    // Negative pads crop; a 2-D constant pad fills whole rows and columns.
    assertExact(run("pad", Map.of("pad_before", "(-1,)", "pad_after", "(-2,)"), x), Shape.of(1), new float[] {2f});
    NDArray m = NDArray.of(new float[] {1f, 2f, 3f, 4f}, Shape.of(2, 2));
    assertExact(run("pad", Map.of("pad_before", "(1, 0)", "pad_after", "(0, 1)"), m), Shape.of(3, 3),
        new float[] {0f, 0f, 0f, 1f, 2f, 0f, 3f, 4f, 0f});
  }

  private static Map<String, String> withMode(Map<String, String> p, String mode, String value) {
    Map<String, String> out = new java.util.HashMap<>(p);
    out.put("mode", mode);
    out.put("pad_value", value);
    return out;
  }

  private static float[] concatRows(float[] bv) {
    float[] out = new float[24];
    for (int i = 0; i < 2; i++) {
      System.arraycopy(bv, i * 6, out, i * 12, 6);
      System.arraycopy(bv, i * 6, out, i * 12 + 6, 6);
    }
    return out;
  }
}
