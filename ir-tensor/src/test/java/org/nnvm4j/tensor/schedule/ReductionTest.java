package org.nnvm4j.tensor.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.Range;

class ReductionTest {
  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = r.nextFloat() * 2 - 1;
    return a;
  }

  private static float[] matmulRef(float[] a, float[] b, int m, int n, int k) {
    float[] c = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float acc = 0;
        for (int p = 0; p < k; p++) acc += a[i * k + p] * b[p * n + j];
        c[i * n + j] = acc;
      }
    }
    return c;
  }

  private record MatMul(Tensor a, Tensor b, Tensor c, IterVar k) {}

  private static MatMul matmul(int m, int n, int k) {
    Tensor a = Te.placeholder(Te.shape(m, k), DType.F32, "A");
    Tensor b = Te.placeholder(Te.shape(k, n), DType.F32, "B");
    IterVar rk = Te.reduceAxis(k, "k");
    Tensor c = Te.compute(Te.shape(m, n), (i, j) -> Te.sum(IrOps.mul(a.get(i, rk.var()), b.get(rk.var(), j)), rk), "C");
    return new MatMul(a, b, c, rk);
  }

  private static float[] runMatmul(PrimFunc f, float[] a, float[] b, int m, int n, int k) {
    try (NDArray na = NDArray.of(a, Shape.of(m, k)); NDArray nb = NDArray.of(b, Shape.of(k, n));
        NDArray nc = NDArray.allocate(DType.F32, Shape.of(m, n))) {
      nc.copyFrom(new float[m * n]);
      for (int i = 0; i < m * n; i++) nc.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, Float.NaN);
      Interpreter.run(f, List.of(na, nb, nc));
      return nc.toFloatArray();
    }
  }

  @Test
  void matmulMatchesJavaLoop() {
    int m = 5, n = 7, k = 6;
    MatMul mm = matmul(m, n, k);
    PrimFunc f = Lower.lower(Schedule.create(mm.c().op()), List.of(mm.a(), mm.b(), mm.c()), "matmul");
    float[] a = random(m * k, 1);
    float[] b = random(k * n, 2);
    assertThat(runMatmul(f, a, b, m, n, k)).containsExactly(matmulRef(a, b, m, n, k),
        org.assertj.core.data.Offset.offset(1e-5f));
  }

  @Test
  void matmulWithSplitReorderedReductionMatchesJavaLoop() {
    int m = 6, n = 5, k = 11;
    MatMul mm = matmul(m, n, k);
    Schedule s = Schedule.create(mm.c().op());
    Stage st = s.get(mm.c());
    IterVar i = st.axis().get(0);
    IterVar j = st.axis().get(1);
    IterVar[] ks = st.split(mm.k(), 4);
    IterVar[] is = st.split(i, 4);
    st.reorder(is[0], ks[0], j, is[1], ks[1]);
    PrimFunc f = Lower.lower(s, List.of(mm.a(), mm.b(), mm.c()), "matmul");
    float[] a = random(m * k, 3);
    float[] b = random(k * n, 4);
    assertThat(runMatmul(f, a, b, m, n, k)).containsExactly(matmulRef(a, b, m, n, k),
        org.assertj.core.data.Offset.offset(1e-5f));
  }

  @Test
  void rowSumWithNonDivisibleSplitOfK() {
    int rows = 3, cols = 10;
    Tensor a = Te.placeholder(Te.shape(rows, cols), DType.F32, "A");
    IterVar k = Te.reduceAxis(cols, "k");
    Tensor s = Te.compute(Te.shape(rows), i -> Te.sum(a.get(i, k.var()), k), "S");
    Schedule sch = Schedule.create(s.op());
    sch.get(s).split(k, 4);
    PrimFunc f = Lower.lower(sch, List.of(a, s), "rowsum");
    assertThat(Lower.scheduleOps(sch, List.of(a, s), "rowsum").toString()).contains("if ((((k.outer * 4) + k.inner) < 10))");
    // tir.loop-partition turns the guard into a guard-free main loop and a 2-step tail
    assertThat(f.toString()).contains("for (k.outer, 2, 1)").contains("for (k.inner, 0, 2)").doesNotContain("if (");
    float[] in = random(rows * cols, 5);
    float[] expect = new float[rows];
    for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) expect[r] += in[r * cols + c];
    try (NDArray na = NDArray.of(in, Shape.of(rows, cols)); NDArray ns = NDArray.allocate(DType.F32, Shape.of(rows))) {
      ns.copyFrom(new float[] {99, 99, 99});
      Interpreter.run(f, List.of(na, ns));
      assertThat(ns.toFloatArray()).containsExactly(expect, org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void maxMinProdAndCustomReducersOverAnOffsetRange() {
    int n = 7;
    Tensor a = Te.placeholder(Te.shape(2, n), DType.I32, "A");
    IterVar k1 = Te.reduceAxis(new Range(IrOps.i32(2), IrOps.i32(5)), "k");
    IterVar k2 = Te.reduceAxis(n, "k");
    IterVar k3 = Te.reduceAxis(n, "k");
    IterVar k4 = Te.reduceAxis(n, "k");
    IterVar k5 = Te.reduceAxis(n, "k");
    Te.Reducer sumSquares = Te.commReducer("sum_sq", IrOps::add, t -> IrOps.zero(t));
    Tensor mx = Te.compute(Te.shape(2), i -> Te.max(a.get(i, k1.var()), k1), "Mx");
    Tensor mn = Te.compute(Te.shape(2), i -> Te.min(a.get(i, k2.var()), k2), "Mn");
    Tensor pr = Te.compute(Te.shape(2), i -> Te.prod(a.get(i, k3.var()), k3), "Pr");
    Tensor sq = Te.compute(Te.shape(2), i -> sumSquares.reduce(IrOps.mul(a.get(i, k4.var()), a.get(i, k4.var())), k4),
        "Sq");
    Tensor ev = Te.compute(Te.shape(2), i -> Te.sum(a.get(i, k5.var()), IrOps.eq(IrOps.floorMod(k5.var(), IrOps.i32(2)),
        IrOps.i32(0)), k5), "Ev");
    int[] in = {3, -1, 4, 1, -5, 9, 2, 6, 5, 3, 5, -8, 9, 7};
    List<Tensor> outs = List.of(mx, mn, pr, sq, ev);
    long[][] expect = new long[5][2];
    for (int r = 0; r < 2; r++) {
      long max = Long.MIN_VALUE, min = Long.MAX_VALUE, prod = 1, sumsq = 0, even = 0;
      for (int c = 0; c < n; c++) {
        int v = in[r * n + c];
        if (c >= 2 && c < 7) max = Math.max(max, v);
        min = Math.min(min, v);
        prod *= v;
        sumsq += (long) v * v;
        if (c % 2 == 0) even += v;
      }
      expect[0][r] = max;
      expect[1][r] = min;
      expect[2][r] = prod;
      expect[3][r] = sumsq;
      expect[4][r] = even;
    }
    for (int o = 0; o < outs.size(); o++) {
      Tensor t = outs.get(o);
      PrimFunc f = Lower.lower(Schedule.create(t.op()), List.of(a, t), "f");
      try (NDArray na = NDArray.of(in, Shape.of(2, n)); NDArray out = NDArray.allocate(DType.I32, Shape.of(2))) {
        Interpreter.run(f, List.of(na, out));
        assertThat(out.toIntArray()).as(t.name()).containsExactly((int) expect[o][0], (int) expect[o][1]);
      }
    }
  }

  @Test
  void identitiesPerDType() {
    assertThat(Te.lowest(DType.I8)).isEqualTo(IrOps.intImm(DType.I8, -128));
    assertThat(Te.highest(DType.I32)).isEqualTo(IrOps.intImm(DType.I32, Integer.MAX_VALUE));
    assertThat(Te.lowest(DType.U8)).isEqualTo(IrOps.intImm(DType.U8, 0));
    assertThat(Te.highest(DType.U8)).isEqualTo(IrOps.intImm(DType.U8, 255));
    assertThat(IrOps.asLong(Te.lowest(DType.I64))).isEqualTo(Long.MIN_VALUE);
    assertThat(Te.lowest(DType.F32).toString()).contains("-Infinity");
    assertThat(Te.highest(DType.F64).toString()).contains("Infinity");
  }

  @Test
  void nestedReductionIsRejected() {
    Tensor a = Te.placeholder(Te.shape(4), DType.F32, "A");
    IterVar k = Te.reduceAxis(4, "k");
    assertThatThrownBy(() -> Te.compute(Te.shape(1), i -> IrOps.add(Te.sum(a.get(k.var()), k), IrOps.f32(1)), "B"))
        .isInstanceOf(CompileException.class).hasMessageContaining("whole body");
  }

  @Test
  void dataParallelAxisIsNotAReduceAxis() {
    Tensor a = Te.placeholder(Te.shape(4), DType.F32, "A");
    assertThatThrownBy(() -> Te.compute(Te.shape(4), i -> Te.sum(a.get(i), new IterVar(Range.fromExtent(IrOps.i32(4)),
        i, IterVar.Kind.DATA_PAR)), "B")).isInstanceOf(CompileException.class).hasMessageContaining("not a reduce axis");
  }

  @Test
  void parallelReductionAxisIsRejected() {
    Tensor a = Te.placeholder(Te.shape(4, 4), DType.F32, "A");
    IterVar k = Te.reduceAxis(4, "k");
    Tensor b = Te.compute(Te.shape(4), i -> Te.sum(a.get(i, k.var()), k), "B");
    Stage st = Schedule.create(b.op()).get(b);
    assertThatThrownBy(() -> st.parallel(k)).isInstanceOfSatisfying(CompileException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SCHEDULE)).hasMessageContaining("stage 'B'")
        .hasMessageContaining("'k'");
  }
}
