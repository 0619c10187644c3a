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

/** {@link Stage#pragma} and {@link Stage#storageAlign}: the lowered text, unchanged numbers, misuse. */
class PragmaStorageAlignTest {
  private record Prog(Tensor a, Tensor t, Tensor b) {}

  /** T = A * 3 over 6 x 8 (an intermediate), B[i, j] = T[i, j] - T[i, 7 - j]. */
  private static Prog prog() {
    Tensor a = Te.placeholder(Te.shape(6, 8), DType.I32, "A");
    Tensor t = Te.compute(Te.shape(6, 8), (i, j) -> IrOps.mul(a.get(i, j), IrOps.i32(3)), "T");
    Tensor b = Te.compute(Te.shape(6, 8), (i, j) -> IrOps.sub(t.get(i, j), t.get(i, IrOps.sub(IrOps.i32(7), j))), "B");
    return new Prog(a, t, b);
  }

  private static void assertComputes(PrimFunc f) {
    int[] in = new int[48];
    for (int i = 0; i < in.length; i++) in[i] = (i * 5) % 17 - 8;
    int[] want = new int[48];
    for (int i = 0; i < 6; i++) for (int j = 0; j < 8; j++) want[i * 8 + j] = in[i * 8 + j] * 3 - in[i * 8 + 7 - j] * 3;
    try (NDArray a = NDArray.of(in, Shape.of(6, 8)); NDArray b = NDArray.allocate(DType.I32, Shape.of(6, 8))) {
      Interpreter.run(f, List.of(a, b));
      assertThat(b.toIntArray()).containsExactly(want);
    }
  }

  @Test
  void pragmaWrapsTheLoopInAnAttribute() {
    Prog p = prog();
    Schedule s = Schedule.create(p.b().op());
    Stage b = s.get(p.b());
    b.pragma(b.axis().get(0), "auto_unroll_max_step", IrOps.i32(16)).pragma(b.axis().get(0), "debug_skip_region", IrOps.i32(0));
    PrimFunc f = Lower.lower(s, List.of(p.a(), p.b()), "f");
    assertThat(f.toString()).contains("""
          // attr [i_1] pragma_auto_unroll_max_step = 16
          // attr [i_1] pragma_debug_skip_region = 0
          for (i_1, 0, 6) {
        """);
    assertComputes(f);
  }

  @Test
  void alignedRootBufferGetsLongerRows() {
    Prog p = prog();
    Schedule s = Schedule.create(p.b().op());
    Stage t = s.get(p.t());
    t.storageAlign(t.axis().get(0), 4, 2);
    PrimFunc f = Lower.lower(s, List.of(p.a(), p.b()), "f");
    assertThat(f.toString()).contains("allocate T[int32 * 6 * 10]").contains("T[((i * 10) + j)] = (A[((i * 8) + j)] * 3)");
    assertComputes(f);
  }

  @Test
  void alignedSharedTileComputedAtAnOuterLoop() {
    Prog p = prog();
    Schedule s = Schedule.create(p.b().op());
    Stage b = s.get(p.b());
    IterVar[] is = b.split(b.axis().get(0), 2);
    Tensor shared = s.cacheRead(p.t(), "shared", List.of(p.b().op()));
    Stage sh = s.get(shared);
    sh.computeAt(b, is[0]).storageAlign(sh.axis().get(0), 16, 1);
    PrimFunc f = Lower.lower(s, List.of(p.a(), p.b()), "f");
    assertThat(f.toString()).contains("allocate T.shared[int32 * 2 * 17], storage_scope = shared");
    assertComputes(f);
  }

  @Test
  void misuseNamesStageAndAxis() {
    Prog p = prog();
    Schedule s = Schedule.create(p.b().op());
    Stage t = s.get(p.t());
    Stage b = s.get(p.b());
    IterVar ti = t.axis().get(0);
    assertInvalid(() -> b.pragma(ti, "unroll", IrOps.i32(1)), "stage 'B'", "pragma", "'i'", "not a loop of this stage");
    assertInvalid(() -> b.pragma(b.axis().get(0), "Bad-Key", IrOps.i32(1)), "stage 'B'", "key 'Bad-Key'");
    assertInvalid(() -> t.storageAlign(t.axis().get(1), 4, 0), "stage 'T'", "'j'", "innermost");
    assertInvalid(() -> t.storageAlign(ti, 4, 4), "stage 'T'", "'i'", "0 <= offset < factor");
    assertInvalid(() -> t.storageAlign(b.axis().get(0), 4, 0), "stage 'T'", "not a data-parallel axis");
    b.storageAlign(b.axis().get(0), 4, 1);
    assertInvalid(() -> Lower.lower(s, List.of(p.a(), p.b()), "f"), "tensor B has storageAlign but is an argument");
  }
}
