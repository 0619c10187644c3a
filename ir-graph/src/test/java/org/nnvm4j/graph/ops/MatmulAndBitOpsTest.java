package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.graph.ops.IndexOpsTest.ravel;
import static org.nnvm4j.graph.ops.IndexOpsTest.unravel;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.List;
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
 * batch_matmul, einsum and det against plain Java (a naive einsum evaluator, a cofactor expansion),
 * the unsigned bit shifts against Java's shift operators, and the error messages of the new ops.
 */
class MatmulAndBitOpsTest {
  private static void assertClose(NDArray got, double[] want, double tol) {
    assertThat(got.numElements()).isEqualTo(want.length);
    for (int i = 0; i < want.length; i++) {
      assertThat(Math.abs(got.getDouble(i) - want[i])).as("element %d: %s vs %s", i, got.getDouble(i), want[i])
          .isLessThanOrEqualTo(tol + tol * Math.abs(want[i]));
    }
  }

  /** NumPy matmul of [..., M, K] x [..., K, N] with broadcast batch dimensions, in double. */
  private static double[] matmul(NDArray a, NDArray b, long[] out) {
    long[] sa = a.shape().toArray(), sb = b.shape().toArray();
    int r = out.length;
    long k = sa[sa.length - 1];
    double[] want = new double[(int) Shape.of(out).numElements()];
    for (int o = 0; o < want.length; o++) {
      long[] at = unravel(o, out);
      double s = 0;
      for (long kk = 0; kk < k; kk++) {
        long[] ia = operand(at, sa, r, at[r - 2], kk);
        long[] ib = operand(at, sb, r, kk, at[r - 1]);
        s += a.getDouble(ravel(ia, sa)) * b.getDouble(ravel(ib, sb));
      }
      want[o] = s;
    }
    return want;
  }

  private static long[] operand(long[] out, long[] shape, int r, long row, long col) {
    long[] i = new long[shape.length];
    int off = r - shape.length;
    for (int d = 0; d < shape.length - 2; d++) i[d] = shape[d] == 1 ? 0 : out[d + off];
    i[shape.length - 2] = row;
    i[shape.length - 1] = col;
    return i;
  }

  @Test
  void batchMatmulBroadcastsBatchDimensions() {
    NDArray a = random(1, 2, 1, 3, 5), b = random(2, 4, 5, 7);
    NDArray out = run("batch_matmul", Map.of(), a, b);
    assertThat(out.shape()).isEqualTo(Shape.of(2, 4, 3, 7));
    assertClose(out, matmul(a, b, new long[] {2, 4, 3, 7}), 1e-5);
    NDArray c = random(3, 3, 1, 5);
    NDArray d = random(4, 5, 2);
    assertClose(run("batch_matmul", Map.of(), c, d), matmul(c, d, new long[] {3, 1, 2}), 1e-5);
    // transpose_b: b holds [..., N, K]
    NDArray bt = random(5, 3, 4, 5);
    NDArray e = random(6, 3, 2, 5);
    NDArray got = run("batch_matmul", Map.of("transpose_b", "True"), e, bt);
    NDArray btT = transposeLast(bt);
    assertClose(got, matmul(e, btT, new long[] {3, 2, 4}), 1e-5);
    NDArray at = random(7, 3, 5, 2);
    got = run("batch_matmul", Map.of("transpose_a", "True"), at, btT);
    assertClose(got, matmul(transposeLast(at), btT, new long[] {3, 2, 4}), 1e-5);
  }

  private static NDArray transposeLast(NDArray x) {
    long[] s = x.shape().toArray();
    long[] t = s.clone();
    t[s.length - 1] = s[s.length - 2];
    t[s.length - 2] = s[s.length - 1];
    NDArray y = NDArray.allocate(x.dtype(), Shape.of(t));
    for (long i = 0; i < x.numElements(); i++) {
      long[] at = unravel(i, s);
      long tmp = at[s.length - 1];
      at[s.length - 1] = at[s.length - 2];
      at[s.length - 2] = tmp;
      y.setDouble(ravel(at, t), x.getDouble(i));
    }
    return y;
  }

  /** A naive einsum over explicit equations (letters only, no ellipsis): loops over every letter. */
  private static double[] einsum(String eq, NDArray... in) {
    String[] sides = eq.split("->", -1);
    String[] terms = sides[0].split(",");
    String out = sides[1];
    Map<Character, Long> ext = new HashMap<>();
    for (int t = 0; t < terms.length; t++) for (int d = 0; d < terms[t].length(); d++) ext.put(terms[t].charAt(d), in[t].shape().dim(d));
    List<Character> letters = ext.keySet().stream().sorted().toList();
    long[] all = letters.stream().mapToLong(ext::get).toArray();
    long[] os = out.chars().mapToLong(c -> ext.get((char) c)).toArray();
    double[] want = new double[(int) Shape.of(os).numElements()];
    for (long p = 0; p < Shape.of(all).numElements(); p++) {
      long[] v = unravel(p, all);
      double prod = 1;
      for (int t = 0; t < terms.length; t++) {
        long[] at = new long[terms[t].length()];
        for (int d = 0; d < at.length; d++) at[d] = v[letters.indexOf(terms[t].charAt(d))];
        prod *= in[t].getDouble(ravel(at, in[t].shape().toArray()));
      }
      long[] o = new long[out.length()];
      for (int d = 0; d < o.length; d++) o[d] = v[letters.indexOf(out.charAt(d))];
      want[(int) ravel(o, os)] += prod;
    }
    return want;
  }

  @Test
  void einsumMatchesANaiveEvaluator() {
    NDArray a = random(11, 3, 4), b = random(12, 4, 5), c = random(13, 2, 3, 4), d = random(14, 2, 4, 5), sq = random(15, 2, 3, 3);
    NDArray v = random(16, 4), w = random(17, 4);
    assertClose(run("einsum", Map.of("equation", "ij,jk->ik"), a, b), einsum("ij,jk->ik", a, b), 1e-5);
    assertClose(run("einsum", Map.of("equation", "bij,bjk->bik"), c, d), einsum("bij,bjk->bik", c, d), 1e-5);
    assertClose(run("einsum", Map.of("equation", "ij->ji"), a), einsum("ij->ji", a), 0);
    assertClose(run("einsum", Map.of("equation", "ij->i"), a), einsum("ij->i", a), 1e-6);
    assertClose(run("einsum", Map.of("equation", "i,i"), v, w), einsum("i,i->", v, w), 1e-6);
    assertClose(run("einsum", Map.of("equation", "bii->bi"), sq), einsum("bii->bi", sq), 0);
    assertClose(run("einsum", Map.of("equation", "...ii->...i"), sq), einsum("bii->bi", sq), 0);
    assertClose(run("einsum", Map.of("equation", "ij,jk"), a, b), einsum("ij,jk->ik", a, b), 1e-5);
    assertClose(run("einsum", Map.of("equation", "ba"), a), einsum("ba->ab", a), 0);
    assertClose(run("einsum", Map.of("equation", "i,j->ij"), v, w), einsum("i,j->ij", v, w), 1e-6);
  }

  /** The determinant by cofactor expansion along the first row, in double. */
  private static double det(double[][] m) {
    int n = m.length;
    if (n == 1) return m[0][0];
    double s = 0;
    for (int c = 0; c < n; c++) {
      double[][] minor = new double[n - 1][n - 1];
      for (int i = 1; i < n; i++) for (int j = 0, k = 0; j < n; j++) if (j != c) minor[i - 1][k++] = m[i][j];
      s += (c % 2 == 0 ? 1 : -1) * m[0][c] * det(minor);
    }
    return s;
  }

  @Test
  void detByEliminationMatchesCofactorExpansion() {
    for (int n : new int[] {1, 2, 3, 5}) {
      NDArray x = random(20 + n, 3, n, n);
      if (n > 1) {
        x.setDouble(0, 0); // a zero first pivot in matrix 0 forces a row exchange
        for (int j = 0; j < n; j++) x.setDouble(2L * n * n + n + j, x.getDouble(2L * n * n + j) * 2); // matrix 2: row 1 = 2 row 0
      }
      NDArray out = run("det", Map.of(), x);
      assertThat(out.shape()).isEqualTo(Shape.of(3));
      double[] want = new double[3];
      for (int b = 0; b < 3; b++) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) m[i][j] = x.getDouble((long) b * n * n + i * n + j);
        want[b] = det(m);
      }
      assertClose(out, want, 1e-5);
    }
    NDArray single = NDArray.of(new float[] {0, 2, 3, 4}, Shape.of(2, 2));
    NDArray out = run("det", Map.of(), single);
    assertThat(out.shape()).isEqualTo(Shape.scalar());
    assertThat(out.getDouble(0)).isEqualTo(-6.0);
  }

  private static NDArray unsigned(DType t, long[] v, long... shape) {
    NDArray a = NDArray.allocate(t, Shape.of(shape));
    for (int i = 0; i < v.length; i++) {
      switch (t.bits()) {
        case 8 -> a.segment().set(ValueLayout.JAVA_BYTE, i, (byte) v[i]);
        case 16 -> a.segment().setAtIndex(ValueLayout.JAVA_SHORT, i, (short) v[i]);
        case 32 -> a.segment().setAtIndex(ValueLayout.JAVA_INT, i, (int) v[i]);
        default -> a.segment().setAtIndex(ValueLayout.JAVA_LONG, i, v[i]);
      }
    }
    return a;
  }

  @Test
  void bitShiftsOfEveryUnsignedWidthWithBroadcasting() {
    for (DType t : new DType[] {DType.U8, DType.U16, DType.U32, DType.U64}) {
      int bits = t.bits();
      long mask = bits == 64 ? -1L : (1L << bits) - 1;
      long[] x = {1, 0xA5, mask, mask - 3, 0x80, 7};
      long[] y = {0, 1, 3, bits - 1, bits, bits + 2};
      NDArray xs = unsigned(t, x, 2, 1, 3);
      NDArray ys = unsigned(t, y, 2, 3);
      for (boolean left : new boolean[] {true, false}) {
        NDArray out = run(left ? "left_shift" : "right_shift", Map.of(), xs, ys);
        assertThat(out.shape()).isEqualTo(Shape.of(2, 2, 3));
        assertThat(out.dtype()).isEqualTo(t);
        for (int i = 0; i < 2; i++) {
          for (int j = 0; j < 2; j++) {
            for (int k = 0; k < 3; k++) {
              long xv = x[i * 3 + k] & mask, yv = y[j * 3 + k];
              long want = yv >= bits ? 0 : (left ? xv << yv : xv >>> yv) & mask;
              assertThat(out.getLong((i * 2 + j) * 3 + k) & mask).as("%s %d %s %d", t, xv, left ? "<<" : ">>", yv).isEqualTo(want);
            }
          }
        }
      }
    }
  }

  private static void assertShapeError(Symbol s, Map<String, Shape> shapes, String message) {
    assertThatThrownBy(() -> InferShape.apply(Graph.create(s), shapes)).isInstanceOf(CompileException.class).hasMessageContaining(message);
  }

  @Test
  void badInputsNameNodeOpAndValues() {
    Symbol x = Symbol.variable("x"), y = Symbol.variable("y"), z = Symbol.variable("z");
    assertThatThrownBy(() -> Symbol.create("scatter_nd", "s", Map.of("reduction", "sum"), x, y, z))
        .isInstanceOf(CompileException.class)
        .hasMessageStartingWith("op scatter_nd attribute 'reduction' = 'sum': expected one of [none, add, mul, max, min]");
    assertThatThrownBy(() -> Symbol.create("topk", "t", Map.of("k", "0"), x))
        .hasMessageStartingWith("op topk attribute 'k' = '0': expected a positive integer");
    assertShapeError(Symbol.create("topk", "t", Map.of("k", "5"), x), Map.of("x", Shape.of(2, 4)),
        "topk: k=5 must be in [1, 4] (the extent of axis 1)");
    assertShapeError(Symbol.create("gather_nd", "g", Map.of(), x, y), Map.of("x", Shape.of(2, 3), "y", Shape.of(4, 3)),
        "gather_nd: the last dimension of indices [4, 3] (3) must be in [1, 2] for data [2, 3]");
    assertShapeError(Symbol.create("einsum", "e", Map.of("equation", "ij,jk->ik"), x, y), Map.of("x", Shape.of(2, 3), "y", Shape.of(4, 3)),
        "einsum: dimension 'j' is 3 in one place and 4 in another");
    assertShapeError(Symbol.create("einsum", "e", Map.of("equation", "ij->ik"), x), Map.of("x", Shape.of(2, 3)),
        "einsum: output letter 'k' of 'ij->ik' is in no input");
    assertShapeError(Symbol.create("batch_matmul", "b", Map.of(), x, y), Map.of("x", Shape.of(2, 2, 3), "y", Shape.of(3, 4, 5)),
        "batch_matmul: inner dimensions differ (3 and 4)");
    assertShapeError(Symbol.create("det", "d", Map.of(), x), Map.of("x", Shape.of(2, 3)), "det: data has shape [2, 3]; expected [..., n, n]");
    assertShapeError(Symbol.create("one_hot", "o", Map.of("depth", "3"), x, y), Map.of("x", Shape.of(2), "y", Shape.of(3)),
        "input 1 (values) has shape [3] but [2] is expected");
    assertShapeError(Symbol.create("reverse_sequence", "r", Map.of("batch_axis", "0", "time_axis", "-2"), x, y),
        Map.of("x", Shape.of(2, 3)), "reverse_sequence: batch_axis and time_axis are both 0");
  }
}
