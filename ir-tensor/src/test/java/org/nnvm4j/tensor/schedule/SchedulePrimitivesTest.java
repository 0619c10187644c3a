package org.nnvm4j.tensor.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.nnvm4j.tensor.schedule.ScheduleAsserts.assertInvalid;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;

class SchedulePrimitivesTest {
  private static final int M = 5;
  private static final int N = 7;

  /** B[i, j] = A[i, j] * 2 + i - j over an M x N grid, run through the interpreter. */
  private static int[] run(PrimFunc f, int rows, int cols) {
    int[] in = new int[rows * cols];
    for (int i = 0; i < in.length; i++) in[i] = i * 3 - 7;
    try (NDArray a = NDArray.of(in, Shape.of(rows, cols)); NDArray b = NDArray.allocate(DType.I32, Shape.of(rows, cols))) {
      Interpreter.run(f, List.of(a, b));
      return b.toIntArray();
    }
  }

  private static int[] expected(int rows, int cols) {
    int[] out = new int[rows * cols];
    for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) out[i * cols + j] = (i * cols + j) * 3 - 7 + 1 + i - j;
    return out;
  }

  private record Prog(Tensor a, Tensor t, Tensor b) {}

  /** T = A + 1 (injective), B = T + i - j. */
  private static Prog prog() {
    Tensor a = Te.placeholder(Te.shape(M, N), DType.I32, "A");
    Tensor t = Te.compute(Te.shape(M, N), (i, j) -> IrOps.add(a.get(i, j), IrOps.i32(1)), "T");
    Tensor b = Te.compute(Te.shape(M, N), (i, j) -> IrOps.sub(IrOps.add(t.get(i, j), i), j), "B");
    return new Prog(a, t, b);
  }

  @Test
  void fuseRunsAllPointsOnce() {
    Prog p = prog();
    Schedule s = Schedule.create(p.b().op());
    Stage st = s.get(p.b());
    IterVar f = st.fuse(st.axis().get(0), st.axis().get(1));
    assertThat(st.leafIterVars()).containsExactly(f);
    PrimFunc fn = Lower.lower(s, List.of(p.a(), p.b()), "f");
    assertThat(fn.toString()).contains("for (i.j.fused, 0, 35)");
    assertThat(run(fn, M, N)).containsExactly(expected(M, N));
  }

  @Test
  void tileSplitsAndReordersWithGuards() {
    Prog p = prog();
    Schedule s = Schedule.create(p.b().op());
    Stage st = s.get(p.b());
    IterVar[] t = st.tile(st.axis().get(0), st.axis().get(1), 2, 3);
    assertThat(st.leafIterVars()).containsExactly(t);
    assertThat(t[0].var().name()).isEqualTo("i.outer");
    assertThat(t[1].var().name()).isEqualTo("j.outer");
    PrimFunc fn = Lower.lower(s, List.of(p.a(), p.b()), "f");
    assertThat(run(fn, M, N)).containsExactly(expected(M, N));
  }

  @Test
  void computeInlineEmitsNoNestAndNoAllocation() {
    Prog p = prog();
    Schedule s = Schedule.create(p.b().op());
    s.get(p.t()).computeInline();
    PrimFunc fn = Lower.lower(s, List.of(p.a(), p.b()), "f");
    String text = fn.toString();
    assertThat(text).doesNotContain("allocate").doesNotContain("T[");
    assertThat(text).contains("B[((i * 7) + j)] = (((A[((i * 7) + j)] + i) - j) + 1)");
    assertThat(run(fn, M, N)).containsExactly(expected(M, N));
  }

  @Test
  void chainedInlineIntoASplitReduction() {
    Tensor a = Te.placeholder(Te.shape(4, 6), DType.I32, "A");
    Tensor t1 = Te.compute(Te.shape(4, 6), (i, j) -> IrOps.mul(a.get(i, j), IrOps.i32(2)), "T1");
    Tensor t2 = Te.compute(Te.shape(6, 4), (i, j) -> IrOps.add(t1.get(j, i), IrOps.i32(1)), "T2");
    IterVar k = Te.reduceAxis(6, "k");
    Tensor r = Te.compute(Te.shape(4), i -> Te.sum(t2.get(k.var(), i), k), "R");
    Schedule s = Schedule.create(r.op());
    s.get(t1).computeInline();
    s.get(t2).computeInline();
    s.get(r).split(k, 4);
    PrimFunc fn = Lower.lower(s, List.of(a, r), "f");
    assertThat(fn.toString()).doesNotContain("allocate");
    int[] in = new int[24];
    for (int i = 0; i < 24; i++) in[i] = i - 5;
    try (NDArray na = NDArray.of(in, Shape.of(4, 6)); NDArray nr = NDArray.allocate(DType.I32, Shape.of(4))) {
      Interpreter.run(fn, List.of(na, nr));
      int[] expect = new int[4];
      for (int i = 0; i < 4; i++) for (int j = 0; j < 6; j++) expect[i] += in[i * 6 + j] * 2 + 1;
      assertThat(nr.toIntArray()).containsExactly(expect);
    }
  }

  // ---- misuse: every one is an INVALID_SCHEDULE error naming the stage (and the axis where there is one)

  @Test
  void axisOfAnotherStageIsRejected() {
    Prog p = prog();
    Schedule s = Schedule.create(p.b().op());
    IterVar ti = s.get(p.t()).axis().get(0);
    Stage b = s.get(p.b());
    assertInvalid(() -> b.split(ti, 2), "stage 'B'", "split", "'i'", "another stage");
    assertInvalid(() -> b.fuse(ti, b.axis().get(1)), "stage 'B'", "fuse", "'i'");
    assertInvalid(() -> b.tile(ti, b.axis().get(1), 2, 2), "stage 'B'", "tile", "'i'");
    assertInvalid(() -> b.reorder(ti), "stage 'B'", "reorder");
    assertInvalid(() -> b.vectorize(ti), "stage 'B'", "vectorized");
  }

  @Test
  void splittingAnAlreadySplitAxisIsRejected() {
    Prog p = prog();
    Stage b = Schedule.create(p.b().op()).get(p.b());
    IterVar i = b.axis().get(0);
    b.split(i, 2);
    assertInvalid(() -> b.split(i, 2), "stage 'B'", "split: axis 'i'", "already split");
  }

  @Test
  void fusedAxisIsNoLongerALeaf() {
    Prog p = prog();
    Stage b = Schedule.create(p.b().op()).get(p.b());
    IterVar i = b.axis().get(0);
    b.fuse(i, b.axis().get(1));
    assertInvalid(() -> b.parallel(i), "stage 'B'", "'i'", "already fused");
  }

  @Test
  void fusingNonAdjacentOrMisorderedAxesIsRejected() {
    Prog p = prog();
    Stage b = Schedule.create(p.b().op()).get(p.b());
    IterVar i = b.axis().get(0);
    IterVar j = b.axis().get(1);
    IterVar[] js = b.split(j, 2);
    assertInvalid(() -> b.fuse(i, js[1]), "stage 'B'", "not adjacent", "'i'", "'j.inner'");
    assertInvalid(() -> b.fuse(js[0], i), "stage 'B'", "not adjacent");
    assertInvalid(() -> b.fuse(i, i), "stage 'B'", "itself");
  }

  @Test
  void fusingDataParallelWithReductionIsRejected() {
    Tensor a = Te.placeholder(Te.shape(4, 4), DType.F32, "A");
    IterVar k = Te.reduceAxis(4, "k");
    Tensor r = Te.compute(Te.shape(4), i -> Te.sum(a.get(i, k.var()), k), "R");
    Stage st = Schedule.create(r.op()).get(r);
    assertInvalid(() -> st.fuse(st.axis().get(0), k), "stage 'R'", "data-parallel and reduction");
  }

  @Test
  void factorBelowOneIsRejected() {
    Prog p = prog();
    Stage b = Schedule.create(p.b().op()).get(p.b());
    assertInvalid(() -> b.split(b.axis().get(0), 0), "stage 'B'", "'i'", "factor must be >= 1, was 0");
    assertInvalid(() -> b.tile(b.axis().get(0), b.axis().get(1), 2, -1), "stage 'B'", "'j'", "was -1");
    assertThat(b.leafIterVars()).containsExactlyElementsOf(b.axis());
  }

  @Test
  void splitByNPartsIsCheckedLikeSplitByFactor() {
    Prog p = prog();
    Stage b = Schedule.create(p.b().op()).get(p.b());
    IterVar i = b.axis().get(0);
    assertInvalid(() -> b.splitNParts(i, 0), "stage 'B'", "'i'", "nparts must be >= 1, was 0");
    IterVar[] io = b.splitNParts(i, 3);
    assertThat(b.leafIterVars()).startsWith(io[0], io[1]);
    assertInvalid(() -> b.splitNParts(i, 2), "stage 'B'", "split: axis 'i'", "already split");
    Stage other = Schedule.create(p.b().op()).get(p.b());
    assertInvalid(() -> other.splitNParts(io[0], 2), "stage 'B'", "not a loop of this stage", "belongs to another stage");
  }

  @Test
  void inliningAReductionIsRejected() {
    Tensor a = Te.placeholder(Te.shape(4, 4), DType.F32, "A");
    IterVar k = Te.reduceAxis(4, "k");
    Tensor r = Te.compute(Te.shape(4), i -> Te.sum(a.get(i, k.var()), k), "R");
    Tensor c = Te.compute(Te.shape(4), i -> IrOps.mul(r.get(i), IrOps.f32(2)), "C");
    Schedule s = Schedule.create(c.op());
    assertInvalid(() -> s.get(r).computeInline(), "stage 'R'", "reduction");
  }

  @Test
  void inliningAnOutputOrAPlaceholderIsRejected() {
    Prog p = prog();
    Schedule s = Schedule.create(p.b().op());
    assertInvalid(() -> s.get(p.b()).computeInline(), "stage 'B'", "output");
    assertInvalid(() -> s.get(p.a()).computeInline(), "stage 'A'", "placeholder");
  }

  @Test
  void inlinedTensorCannotBeAnArgument() {
    Prog p = prog();
    Schedule s = Schedule.create(p.b().op());
    s.get(p.t()).computeInline();
    assertInvalid(() -> Lower.lower(s, List.of(p.a(), p.t(), p.b()), "f"), "tensor T is inlined");
  }
}
