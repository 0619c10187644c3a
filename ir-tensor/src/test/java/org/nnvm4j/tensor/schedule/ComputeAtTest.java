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

/** {@link Stage#computeAt} and {@link Stage#computeRoot}: placement, bound inference, numbers, misuse. */
class ComputeAtTest {
  private static int[] input(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = (i * 7) % 11 - 5;
    return a;
  }

  /** Runs {@code f(A, out)} with A filled by {@link #input}. */
  private static int[] run(PrimFunc f, Shape in, Shape out) {
    try (NDArray a = NDArray.of(input((int) in.numElements()), in); NDArray b = NDArray.allocate(DType.I32, out)) {
      Interpreter.run(f, List.of(a, b));
      return b.toIntArray();
    }
  }

  private record Stencil(Tensor a, Tensor t, Tensor b) {}

  /** T[i, j] = A[i, j] * 2 + 1 over 6 x 8; B[i, j] = T[i, j] + T[i, j + 1] over 6 x 7. */
  private static Stencil stencil() {
    Tensor a = Te.placeholder(Te.shape(6, 8), DType.I32, "A");
    Tensor t = Te.compute(Te.shape(6, 8), (i, j) -> IrOps.add(IrOps.mul(a.get(i, j), IrOps.i32(2)), IrOps.i32(1)), "T");
    Tensor b = Te.compute(Te.shape(6, 7), (i, j) -> IrOps.add(t.get(i, j), t.get(i, IrOps.add(j, IrOps.i32(1)))), "B");
    return new Stencil(a, t, b);
  }

  private static int[] stencilExpected() {
    int[] a = input(48);
    int[] out = new int[42];
    for (int i = 0; i < 6; i++) {
      for (int j = 0; j < 7; j++) out[i * 7 + j] = (a[i * 8 + j] * 2 + 1) + (a[i * 8 + j + 1] * 2 + 1);
    }
    return out;
  }

  @Test
  void producerInsideATileComputesOnlyTheTileAndItsHalo() {
    Stencil p = stencil();
    Schedule s = Schedule.create(p.b().op());
    Stage b = s.get(p.b());
    IterVar[] t = b.tile(b.axis().get(0), b.axis().get(1), 4, 3);
    s.get(p.t()).computeAt(b, t[1]);
    PrimFunc f = Lower.lower(s, List.of(p.a(), p.b()), "f");
    String text = f.toString();
    assertThat(text).contains("allocate T[int32 * 4 * 4], storage_scope = global");
    assertThat(text.indexOf("allocate T")).isGreaterThan(text.indexOf("for (j.outer"));
    assertThat(run(f, Shape.of(6, 8), Shape.of(6, 7))).containsExactly(stencilExpected());
  }

  @Test
  void producerAtTheInnermostLoopComputesTwoPointsPerElement() {
    Stencil p = stencil();
    Schedule s = Schedule.create(p.b().op());
    Stage b = s.get(p.b());
    s.get(p.t()).computeAt(b, b.axis().get(1));
    PrimFunc f = Lower.lower(s, List.of(p.a(), p.b()), "f");
    assertThat(f.toString()).contains("allocate T[int32 * 1 * 2]");
    assertThat(run(f, Shape.of(6, 8), Shape.of(6, 7))).containsExactly(stencilExpected());
  }

  @Test
  void computeRootUndoesComputeAt() {
    Stencil p = stencil();
    Schedule s = Schedule.create(p.b().op());
    Stage b = s.get(p.b());
    s.get(p.t()).computeAt(b, b.axis().get(0)).computeRoot();
    PrimFunc f = Lower.lower(s, List.of(p.a(), p.b()), "f");
    assertThat(f.toString()).contains("allocate T[int32 * 6 * 8]");
    assertThat(s.get(p.t()).attachStage()).isNull();
    assertThat(run(f, Shape.of(6, 8), Shape.of(6, 7))).containsExactly(stencilExpected());
  }

  /** P = A + 1 over 10; C[i] = sum_k P[i + k] * (k + 1) over 8, k < 3 (a 1-d convolution window). */
  private static PrimFunc conv(boolean atReduceAxis) {
    Tensor a = Te.placeholder(Te.shape(10), DType.I32, "A");
    Tensor pad = Te.compute(Te.shape(10), i -> IrOps.add(a.get(i), IrOps.i32(1)), "P");
    IterVar k = Te.reduceAxis(3, "k");
    Tensor c = Te.compute(Te.shape(8),
        i -> Te.sum(IrOps.mul(pad.get(IrOps.add(i, k.var())), IrOps.add(k.var(), IrOps.i32(1))), k), "C");
    Schedule s = Schedule.create(c.op());
    Stage cs = s.get(c);
    IterVar[] is = cs.split(cs.axis().get(0), 4);
    s.get(pad).computeAt(cs, atReduceAxis ? k : is[0]);
    return Lower.lower(s, List.of(a, c), "conv");
  }

  private static int[] convExpected() {
    int[] a = input(10);
    int[] out = new int[8];
    for (int i = 0; i < 8; i++) for (int k = 0; k < 3; k++) out[i] += (a[i + k] + 1) * (k + 1);
    return out;
  }

  @Test
  void convWindowRegionIsTileSizePlusKernelMinusOne() {
    PrimFunc f = conv(false);
    assertThat(f.toString()).contains("allocate P[int32 * 6]");
    assertThat(run(f, Shape.of(10), Shape.of(8))).containsExactly(convExpected());
  }

  @Test
  void producerAtAReductionLoopComputesOnePoint() {
    PrimFunc f = conv(true);
    assertThat(f.toString()).contains("allocate P[int32 * 1]");
    assertThat(run(f, Shape.of(10), Shape.of(8))).containsExactly(convExpected());
  }

  @Test
  void chainedComputeAtAndAnInlinedStageBetween() {
    Tensor a = Te.placeholder(Te.shape(9), DType.I32, "A");
    Tensor q = Te.compute(Te.shape(9), i -> IrOps.mul(a.get(i), IrOps.i32(3)), "Q");
    Tensor p = Te.compute(Te.shape(9), i -> IrOps.add(q.get(i), IrOps.i32(1)), "P");
    Tensor m = Te.compute(Te.shape(8), i -> IrOps.sub(p.get(IrOps.add(i, IrOps.i32(1))), p.get(i)), "M");
    Tensor b = Te.compute(Te.shape(8), i -> IrOps.mul(m.get(i), IrOps.i32(2)), "B");
    Schedule s = Schedule.create(b.op());
    Stage bs = s.get(b);
    IterVar[] is = bs.split(bs.axis().get(0), 3);
    s.get(m).computeInline();
    s.get(p).computeAt(bs, is[0]);
    s.get(q).computeAt(s.get(p), s.get(p).axis().get(0));
    PrimFunc f = Lower.lower(s, List.of(a, b), "f");
    assertThat(f.toString()).contains("allocate P[int32 * 4]").contains("allocate Q[int32 * 1]");
    int[] in = input(9);
    int[] want = new int[8];
    for (int i = 0; i < 8; i++) want[i] = ((in[i + 1] * 3 + 1) - (in[i] * 3 + 1)) * 2;
    assertThat(run(f, Shape.of(9), Shape.of(8))).containsExactly(want);
  }

  @Test
  void misuseNamesStageAndAxis() {
    Stencil p = stencil();
    Schedule s = Schedule.create(p.b().op());
    Stage b = s.get(p.b());
    Stage t = s.get(p.t());
    IterVar bi = b.axis().get(0);
    assertInvalid(() -> t.computeAt(b, t.axis().get(0)), "stage 'T'", "axis 'i'", "not a loop of stage 'B'");
    assertInvalid(() -> b.computeAt(t, t.axis().get(0)), "stage 'B'", "output");
    assertInvalid(() -> s.get(p.a()).computeAt(b, bi), "stage 'A'", "placeholder");
    assertInvalid(() -> t.computeAt(t, t.axis().get(0)), "stage 'T'", "its own loop");
    b.split(bi, 2);
    assertInvalid(() -> t.computeAt(b, bi), "stage 'T'", "axis 'i'", "not a loop of stage 'B'");
  }

  @Test
  void computeAtOutsideTheConsumerIsRejected() {
    Tensor a = Te.placeholder(Te.shape(4), DType.I32, "A");
    Tensor t = Te.compute(Te.shape(4), i -> IrOps.add(a.get(i), IrOps.i32(1)), "T");
    Tensor u = Te.compute(Te.shape(4), i -> IrOps.add(a.get(i), IrOps.i32(2)), "U");
    Tensor b = Te.compute(Te.shape(4), i -> IrOps.add(t.get(i), u.get(i)), "B");
    Tensor c = Te.compute(Te.shape(4), i -> IrOps.mul(t.get(i), IrOps.i32(2)), "C");
    Schedule s = Schedule.create(b.op(), c.op());
    assertInvalid(() -> s.get(t).computeAt(s.get(u), s.get(u).axis().get(0)), "stage 'T'", "'U' does not consume 'T'");
    s.get(t).computeAt(s.get(b), s.get(b).axis().get(0));
    assertInvalid(() -> Lower.lower(s, List.of(a, b, c), "f"), "'T' is computed at stage 'B'", "stage 'C' reads it too");
  }

  @Test
  void attachedTensorCannotBeAnArgument() {
    Stencil p = stencil();
    Schedule s = Schedule.create(p.b().op());
    s.get(p.t()).computeAt(s.get(p.b()), s.get(p.b()).axis().get(0));
    assertInvalid(() -> Lower.lower(s, List.of(p.a(), p.t(), p.b()), "f"), "tensor T is computed at stage 'B'");
  }

  /** A blocked producer T[i, c / 4, c % 4] read by B[i, c]: at B's block loop, bound inference keeps one block. */
  @Test
  void blockedLayoutProducerAtTheBlockLoopComputesOneBlock() {
    Tensor a = Te.placeholder(Te.shape(3, 12), DType.I32, "A");
    Tensor t = Te.computeN(Te.shape(3, 3, 4), ix -> IrOps.mul(a.get(ix.get(0), IrOps.add(IrOps.mul(ix.get(1), IrOps.i32(4)), ix.get(2))),
        IrOps.i32(3)), "T", "", java.util.Map.of());
    Tensor b = Te.compute(Te.shape(3, 12), (i, c) -> IrOps.add(t.get(i, IrOps.floorDiv(c, IrOps.i32(4)), IrOps.floorMod(c, IrOps.i32(4))),
        IrOps.i32(1)), "B");
    Schedule s = Schedule.create(b.op());
    Stage sb = s.get(b);
    IterVar[] c = sb.split(sb.axis().get(1), 4);
    s.get(t).computeAt(sb, c[0]);
    PrimFunc f = Lower.lower(s, List.of(a, b), "f");
    assertThat(f.toString()).contains("allocate T[int32 * 1 * 1 * 4]");
    int[] in = input(36);
    int[] expected = new int[36];
    for (int k = 0; k < 36; k++) expected[k] = in[k] * 3 + 1;
    assertThat(run(f, Shape.of(3, 12), Shape.of(3, 12))).containsExactly(expected);
  }
}
