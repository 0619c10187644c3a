package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.util.Map;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * The element-wise math, comparison, logic, cast, where and min/prod reduction ops against plain Java
 * loops, through the TIR interpreter.
 */
class MathLogicAndReduceOpsTest {
  private static double[] values(NDArray a) {
    double[] v = new double[(int) a.numElements()];
    for (int i = 0; i < v.length; i++) v[i] = a.getDouble(i);
    return v;
  }

  private static void assertUnary(String op, NDArray x, DoubleUnaryOperator f, DType dtype) {
    NDArray y = run(op, Map.of(), x);
    assertThat(y.dtype()).as(op).isEqualTo(dtype);
    assertThat(y.shape()).isEqualTo(x.shape());
    double[] xv = values(x);
    for (int i = 0; i < xv.length; i++) assertThat(y.getDouble(i)).as("%s(%s)", op, xv[i]).isEqualTo((double) (float) f.applyAsDouble(xv[i]));
  }

  /** {@code op} on a [2, 1, 3] and a [4, 1] operand against {@code f} over the [2, 4, 3] broadcast. */
  private static void assertBroadcast(String op, NDArray a, NDArray b, DoubleBinaryOperator f, DType dtype) {
    NDArray y = run(op, Map.of(), a, b);
    assertThat(y.dtype()).as(op).isEqualTo(dtype);
    assertThat(y.shape()).isEqualTo(Shape.of(2, 4, 3));
    double[] av = values(a), bv = values(b);
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 4; j++) {
        for (int k = 0; k < 3; k++) {
          double want = f.applyAsDouble(av[i * 3 + k], bv[j]);
          if (dtype.equals(DType.F32)) want = (float) want;
          assertThat(y.getDouble((i * 4 + j) * 3 + k)).as("%s(%s, %s)", op, av[i * 3 + k], bv[j]).isEqualTo(want);
        }
      }
    }
  }

  private static double truth(boolean b) { return b ? 1 : 0; }

  @Test
  void unaryMath() {
    NDArray x = NDArray.of(-2.5f, -1.5f, -0.7f, -0.2f, 0.5f, 1.5f, 2.5f, 3.2f);
    assertUnary("floor", x, Math::floor, DType.F32);
    assertUnary("ceil", x, Math::ceil, DType.F32);
    assertUnary("round", x, Math::rint, DType.F32);
    assertUnary("trunc", x, v -> v < 0 ? Math.ceil(v) : Math.floor(v), DType.F32);
    assertUnary("abs", x, Math::abs, DType.F32);
    assertUnary("sign", x, Math::signum, DType.F32);
    assertUnary("sin", x, v -> (float) Math.sin(v), DType.F32);
    assertUnary("cos", x, v -> (float) Math.cos(v), DType.F32);
    assertUnary("tan", x, Math::tan, DType.F32);
    assertUnary("sinh", x, Math::sinh, DType.F32);
    assertUnary("cosh", x, Math::cosh, DType.F32);
    assertUnary("atan", x, Math::atan, DType.F32);
    NDArray unit = NDArray.of(-0.9f, -0.3f, 0.2f, 0.75f);
    assertUnary("asin", unit, Math::asin, DType.F32);
    assertUnary("acos", unit, Math::acos, DType.F32);
    assertUnary("atanh", unit, v -> 0.5 * Math.log((1 + v) / (1 - v)), DType.F32);
    assertUnary("asinh", unit, v -> Math.copySign(Math.log(Math.abs(v) + Math.sqrt(v * v + 1)), v), DType.F32);
    assertUnary("acosh", NDArray.of(1f, 1.5f, 10f), v -> Math.log(v + Math.sqrt(v * v - 1)), DType.F32);
    assertUnary("isnan", NDArray.of(1f, Float.NaN, Float.POSITIVE_INFINITY), v -> truth(Double.isNaN(v)), DType.BOOL);
    NDArray ints = NDArray.of(new int[] {-3, 0, 4}, Shape.of(3));
    assertUnary("abs", ints, Math::abs, DType.I32);
    assertUnary("sign", ints, Math::signum, DType.I32);
    assertUnary("logical_not", ints, v -> truth(v == 0), DType.BOOL);
  }

  @Test
  void erfMatchesItsSeries() {
    NDArray y = run("erf", Map.of(), NDArray.of(-1f, 0f, 0.5f, 2f));
    double[] want = {-0.8427007929497149, 0, 0.5204998778130465, 0.9953222650189527};
    for (int i = 0; i < want.length; i++) assertThat(y.getDouble(i)).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void broadcastArithmeticAndComparisons() {
    NDArray a = random(11, 2, 1, 3), b = random(12, 4, 1);
    assertBroadcast("broadcast_max", a, b, Math::max, DType.F32);
    assertBroadcast("broadcast_min", a, b, Math::min, DType.F32);
    assertBroadcast("broadcast_mod", a, b, (x, y) -> (float) x % (float) y, DType.F32);
    assertBroadcast("broadcast_greater", a, b, (x, y) -> truth(x > y), DType.BOOL);
    assertBroadcast("broadcast_less_equal", a, b, (x, y) -> truth(x <= y), DType.BOOL);
    NDArray pa = NDArray.of(new float[] {0.5f, 1.5f, 2f, 3f, 0.25f, 4f}, Shape.of(2, 1, 3));
    assertBroadcast("broadcast_pow", pa, NDArray.of(new float[] {0f, 1f, 2f, -0.5f}, Shape.of(4, 1)),
        (x, y) -> Math.pow((float) x, (float) y), DType.F32);
    NDArray ia = NDArray.of(new int[] {-7, 5, 0, 9, -2, 3}, Shape.of(2, 1, 3));
    NDArray ib = NDArray.of(new int[] {3, -4, 2, 5}, Shape.of(4, 1));
    assertBroadcast("broadcast_floor_mod", ia, ib, (x, y) -> Math.floorMod((int) x, (int) y), DType.I32);
    assertBroadcast("broadcast_mod", ia, ib, (x, y) -> (int) x % (int) y, DType.I32);
    assertBroadcast("broadcast_pow", ia, NDArray.of(new int[] {0, 1, 2, 3}, Shape.of(4, 1)), Math::pow, DType.I32);
    assertBroadcast("broadcast_equal", ia, ib, (x, y) -> truth(x == y), DType.BOOL);
    assertBroadcast("broadcast_not_equal", ia, ib, (x, y) -> truth(x != y), DType.BOOL);
    assertBroadcast("broadcast_logical_and", ia, ib, (x, y) -> truth(x != 0 && y != 0), DType.BOOL);
    assertBroadcast("broadcast_logical_or", ia, NDArray.of(new int[] {0, 1, 0, 2}, Shape.of(4, 1)),
        (x, y) -> truth(x != 0 || y != 0), DType.BOOL);
    assertBroadcast("broadcast_logical_xor", ia, NDArray.of(new int[] {0, 1, 0, 2}, Shape.of(4, 1)),
        (x, y) -> truth((x != 0) != (y != 0)), DType.BOOL);
  }

  @Test
  void castAndWhere() {
    NDArray x = NDArray.of(-1.5f, -0.25f, 0f, 0.5f, 2.75f);
    NDArray toInt = run("cast", Map.of("dtype", "int32"), x);
    assertThat(toInt.dtype()).isEqualTo(DType.I32);
    assertThat(values(toInt)).containsExactly(-1, 0, 0, 0, 2);
    NDArray toBool = run("cast", Map.of("dtype", "bool"), x);
    assertThat(toBool.dtype()).isEqualTo(DType.BOOL);
    assertThat(values(toBool)).containsExactly(1, 1, 0, 1, 1);
    assertThat(values(run("cast", Map.of("dtype", "float64"), toInt))).containsExactly(-1, 0, 0, 0, 2);

    NDArray cond = run("broadcast_greater", Map.of(), NDArray.of(new float[] {1f, -1f}, Shape.of(2, 1)), NDArray.of(0f));
    NDArray a = random(21, 2, 3), b = random(22, 3);
    NDArray w = run("where", Map.of(), cond, a, b);
    assertThat(w.shape()).isEqualTo(Shape.of(2, 3));
    double[] av = values(a), bv = values(b);
    for (int j = 0; j < 3; j++) {
      assertThat(w.getDouble(j)).isEqualTo(av[j]);
      assertThat(w.getDouble(3 + j)).isEqualTo(bv[j]);
    }
  }

  @Test
  void minAndProdReductions() {
    NDArray x = random(31, 2, 3, 4);
    double[] v = values(x);
    NDArray min = run("min", Map.of("axis", "(1,)"), x);
    NDArray prod = run("prod", Map.of("axis", "(0, 2)", "keepdims", "True"), x);
    assertThat(min.shape()).isEqualTo(Shape.of(2, 4));
    assertThat(prod.shape()).isEqualTo(Shape.of(1, 3, 1));
    for (int i = 0; i < 2; i++) {
      for (int k = 0; k < 4; k++) {
        float m = Float.POSITIVE_INFINITY;
        for (int j = 0; j < 3; j++) m = Math.min(m, (float) v[(i * 3 + j) * 4 + k]);
        assertThat(min.getDouble(i * 4 + k)).isEqualTo(m);
      }
    }
    for (int j = 0; j < 3; j++) {
      float p = 1;
      for (int i = 0; i < 2; i++) for (int k = 0; k < 4; k++) p *= (float) v[(i * 3 + j) * 4 + k];
      assertThat(prod.getDouble(j)).isCloseTo(p, org.assertj.core.data.Offset.offset(Math.abs(p) * 1e-5 + 1e-12));
    }
  }

  @Test
  void argMaxArgMinWithTiesAndCumsum() {
    NDArray x = NDArray.of(new float[] {1f, 3f, 3f, -2f, 0f, -2f}, Shape.of(2, 3));
    NDArray first = run("argmax", Map.of("axis", "1"), x);
    assertThat(first.dtype()).isEqualTo(DType.I64);
    assertThat(first.shape()).isEqualTo(Shape.of(2));
    assertThat(values(first)).containsExactly(1, 1);
    assertThat(values(run("argmax", Map.of("axis", "-1", "select_last_index", "True"), x))).containsExactly(2, 1);
    NDArray min = run("argmin", Map.of("axis", "1", "keepdims", "True", "select_last_index", "True"), x);
    assertThat(min.shape()).isEqualTo(Shape.of(2, 1));
    assertThat(values(min)).containsExactly(0, 2);
    assertThat(values(run("argmin", Map.of("axis", "0"), x))).containsExactly(1, 1, 1);

    NDArray c = NDArray.of(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, Shape.of(2, 3));
    assertThat(values(run("cumsum", Map.of("axis", "1"), c))).containsExactly(1, 3, 6, 4, 9, 15);
    assertThat(values(run("cumsum", Map.of("axis", "1", "exclusive", "True"), c))).containsExactly(0, 1, 3, 0, 4, 9);
    assertThat(values(run("cumsum", Map.of("axis", "0", "reverse", "True"), c))).containsExactly(5, 7, 9, 4, 5, 6);
    assertThat(values(run("cumsum", Map.of("axis", "1", "reverse", "True", "exclusive", "True"), c))).containsExactly(5, 3, 0, 11, 6, 0);
  }
}
