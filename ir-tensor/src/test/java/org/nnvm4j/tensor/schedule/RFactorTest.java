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

/** {@link Schedule#rfactor}: partial reductions in their own stage, then reduced; exact int32 numbers and misuse. */
class RFactorTest {
  private static final int ROWS = 3;
  private static final int COLS = 10;

  private record RowSum(Tensor a, Tensor s, IterVar k) {}

  /** S[i] = sum_k A[i, k] * (k + 1). */
  private static RowSum rowSum() {
    Tensor a = Te.placeholder(Te.shape(ROWS, COLS), DType.I32, "A");
    IterVar k = Te.reduceAxis(COLS, "k");
    Tensor s = Te.compute(Te.shape(ROWS), i -> Te.sum(IrOps.mul(a.get(i, k.var()), IrOps.add(k.var(), IrOps.i32(1))), k), "S");
    return new RowSum(a, s, k);
  }

  private static void assertComputesRowSum(PrimFunc f) {
    int[] in = new int[ROWS * COLS];
    for (int i = 0; i < in.length; i++) in[i] = (i * 7) % 13 - 6;
    int[] want = new int[ROWS];
    for (int i = 0; i < ROWS; i++) for (int k = 0; k < COLS; k++) want[i] += in[i * COLS + k] * (k + 1);
    try (NDArray a = NDArray.of(in, Shape.of(ROWS, COLS)); NDArray s = NDArray.allocate(DType.I32, Shape.of(ROWS))) {
      Interpreter.run(f, List.of(a, s));
      assertThat(s.toIntArray()).containsExactly(want);
    }
  }

  @Test
  void innerSplitFactoredOutIntoParallelPartialSums() {
    RowSum p = rowSum();
    Schedule sch = Schedule.create(p.s().op());
    IterVar[] ks = sch.get(p.s()).split(p.k(), 4);
    Tensor rf = sch.rfactor(p.s(), ks[1]);
    Stage rs = sch.get(rf);
    assertThat(rf.name()).isEqualTo("S.rf");
    assertThat(rf.shape()).extracting(IrOps::asLong).containsExactly(4L, 3L);
    rs.parallel(rs.axis().get(0));
    PrimFunc f = Lower.lower(sch, List.of(p.a(), p.s()), "f");
    assertThat(f.toString()).contains("allocate S.rf[int32 * 4 * 3]").contains("parallel for (k.inner");
    assertComputesRowSum(f);
  }

  @Test
  void partialsComputedAtTheRowLoopOfTheStageThatSumsThem() {
    RowSum p = rowSum();
    Schedule sch = Schedule.create(p.s().op());
    IterVar[] ks = sch.get(p.s()).split(p.k(), 5);
    Stage rs = sch.get(sch.rfactor(p.s(), ks[1]));
    Stage st = sch.get(p.s());
    rs.reorder(rs.leafIterVars().get(2), rs.axis().get(0));
    rs.computeAt(st, st.axis().get(0));
    PrimFunc f = Lower.lower(sch, List.of(p.a(), p.s()), "f");
    assertThat(f.toString()).contains("allocate S.rf[int32 * 5 * 1]");
    assertComputesRowSum(f);
  }

  @Test
  void outerSplitOfANonDivisibleAxisKeepsTheGuard() {
    RowSum p = rowSum();
    Schedule sch = Schedule.create(p.s().op());
    IterVar[] ks = sch.get(p.s()).split(p.k(), 4);
    Tensor rf = sch.rfactor(p.s(), ks[0]);
    assertThat(rf.shape()).extracting(IrOps::asLong).containsExactly(3L, 3L);
    assertComputesRowSum(Lower.lower(sch, List.of(p.a(), p.s()), "f"));
  }

  @Test
  void unsplitAxisGivesOnePartialPerIndex() {
    RowSum p = rowSum();
    Schedule sch = Schedule.create(p.s().op());
    Tensor rf = sch.rfactor(p.s(), p.k());
    assertThat(rf.shape()).extracting(IrOps::asLong).containsExactly(10L, 3L);
    assertThat(sch.get(p.s()).leafIterVars()).hasSize(2);
    assertComputesRowSum(Lower.lower(sch, List.of(p.a(), p.s()), "f"));
  }

  @Test
  void misuseNamesStageAndAxis() {
    RowSum p = rowSum();
    Schedule sch = Schedule.create(p.s().op());
    Stage st = sch.get(p.s());
    assertInvalid(() -> sch.rfactor(p.s(), st.axis().get(0)), "stage 'S'", "rfactor", "'i' is not a reduction loop");
    assertInvalid(() -> sch.rfactor(p.a(), p.k()), "stage 'A'", "not a single-valued reduction");
    st.split(st.axis().get(0), 2);
    assertInvalid(() -> sch.rfactor(p.s(), p.k()), "stage 'S'", "call rfactor first");
  }
}
