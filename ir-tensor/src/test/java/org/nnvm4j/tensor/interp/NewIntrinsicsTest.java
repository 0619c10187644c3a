package org.nnvm4j.tensor.interp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Broadcast;
import org.nnvm4j.tensor.tir.Call;
import org.nnvm4j.tensor.tir.Intrinsics;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.Var;

/** {@code popcount} and the lazy {@code if_then_else}: folding, the interpreter's semantics, and misuse. */
class NewIntrinsicsTest {
  @Test
  void popcountCountsTheBitsOfTheDtypeOnly() {
    assertThat(IrOps.popcount(IrOps.intImm(DType.I8, -1))).isEqualTo(IrOps.intImm(DType.I8, 8));
    assertThat(IrOps.popcount(IrOps.intImm(DType.U16, 0xF0F0))).isEqualTo(IrOps.intImm(DType.U16, 8));
    assertThat(IrOps.popcount(IrOps.i64(-1))).isEqualTo(IrOps.i64(64));
    assertThat(IrOps.popcount(IrOps.i32(Integer.MIN_VALUE))).isEqualTo(IrOps.i32(1));
    // the interpreter, lane-wise on a vector, matches the folding
    Var x = new Var("x", DType.I16.withLanes(2));
    Object r = Arith.call(new Call(DType.I16.withLanes(2), Intrinsics.POPCOUNT, List.of(x)), List.of(new long[] {-1, 0x0101}));
    assertThat((long[]) r).containsExactly(16, 2);
  }

  @Test
  void ifThenElseEvaluatesOnlyTheChosenBranch() {
    // B[i] = A[i + 1] for i < 9, else 0: the interpreter would fail on A[10] if it evaluated both branches
    Tensor a = Te.placeholder(Te.shape(10), DType.F32, "A");
    Tensor b = Te.compute(a.shape(), i -> IrOps.ifThenElse(IrOps.lt(i, IrOps.i32(9)), a.get(IrOps.add(i, IrOps.i32(1))),
        IrOps.f32(-1)), "B");
    PrimFunc f = Lower.lower(Schedule.create(b.op()), List.of(a, b), "shift");
    try (NDArray in = NDArray.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, Shape.of(10));
         NDArray out = NDArray.allocate(DType.F32, Shape.of(10))) {
      Interpreter.run(f, List.of(in, out));
      assertThat(out.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, -1);
    }
    // the same with select evaluates both arms and reads past the buffer
    Tensor c = Te.compute(a.shape(), i -> IrOps.select(IrOps.lt(i, IrOps.i32(9)), a.get(IrOps.add(i, IrOps.i32(1))),
        IrOps.f32(-1)), "C");
    PrimFunc g = Lower.lower(Schedule.create(c.op()), List.of(a, c), "eager");
    try (NDArray in = NDArray.allocate(DType.F32, Shape.of(10)); NDArray out = NDArray.allocate(DType.F32, Shape.of(10))) {
      assertThatThrownBy(() -> Interpreter.run(g, List.of(in, out))).isInstanceOf(RuntimeException.class);
    }
  }

  @Test
  void misuseIsRefusedWithTheOperandsNamed() {
    assertThatThrownBy(() -> IrOps.popcount(IrOps.f32(1))).isInstanceOf(CompileException.class)
        .hasMessageContaining("popcount of 1f, which has dtype float32; expected an integer");
    assertThatThrownBy(() -> IrOps.popcount(IrOps.bool(true))).isInstanceOf(CompileException.class)
        .hasMessageContaining("expected an integer");
    Var i = new Var("i", DType.I32);
    assertThatThrownBy(() -> IrOps.ifThenElse(i, IrOps.f32(1), IrOps.f32(2))).isInstanceOf(CompileException.class)
        .hasMessageContaining("if_then_else: condition i has dtype int32; expected a scalar bool");
    assertThatThrownBy(() -> IrOps.ifThenElse(new Broadcast(IrOps.lt(i, IrOps.i32(3)), 4), IrOps.f32(1), IrOps.f32(2)))
        .isInstanceOf(CompileException.class).hasMessageContaining("expected a scalar bool");
    assertThatThrownBy(() -> IrOps.ifThenElse(IrOps.lt(i, IrOps.i32(3)), IrOps.f32(1), IrOps.i32(2)))
        .isInstanceOf(CompileException.class).hasMessageContaining("branches of different dtypes float32 and int32");
    assertThat(IrOps.ifThenElse(IrOps.bool(false), IrOps.f32(1), IrOps.f32(2))).isEqualTo(IrOps.f32(2));
  }
}
