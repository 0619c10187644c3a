package org.nnvm4j.tensor.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.tensor.schedule.ScheduleAsserts.assertInvalid;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.*;

/** {@code Te.extern}: hand-written TIR bodies lowered with their buffers bound, read by computes; and the misuses. */
class ExternTest {
  /** The inclusive prefix sum along the last axis of {@code a} [rows, cols], as a hand-written loop with a carried sum. */
  static Tensor prefixSum(Tensor a) {
    return Te.extern(List.of(a.shape()), List.of(a.dtype()), List.of(a), (ins, outs) -> {
      Buffer in = ins.get(0);
      Buffer out = outs.get(0);
      Buffer acc = new Buffer("acc", a.dtype(), List.of(IrOps.i32(1)), "local");
      Var r = new Var("r", DType.I32);
      Var c = new Var("c", DType.I32);
      List<Expr> zero = List.of(IrOps.i32(0));
      Stmt step = SeqStmt.of(
          new BufferStore(acc, IrOps.add(new BufferLoad(acc, zero), new BufferLoad(in, List.of(r, c))), zero),
          new BufferStore(out, new BufferLoad(acc, zero), List.of(r, c)));
      Stmt row = SeqStmt.of(new BufferStore(acc, IrOps.zero(a.dtype()), zero),
          new For(c, IrOps.i32(0), a.shape().get(1), ForKind.SERIAL, step));
      return new For(r, IrOps.i32(0), a.shape().get(0), ForKind.SERIAL, new Allocate(acc, row));
    }, "cumsum").get(0);
  }

  @Test
  void handWrittenBodyFeedsAComputeAndMatchesJava() {
    for (int[] shape : new int[][] {{1, 1}, {3, 7}, {5, 16}}) {
      int rows = shape[0], cols = shape[1];
      Tensor a = Te.placeholder(Te.shape(rows, cols), DType.I32, "A");
      Tensor s = prefixSum(a);
      Tensor twice = Te.compute(s.shape(), (i, j) -> IrOps.mul(s.get(i, j), IrOps.i32(2)), "B");
      Schedule sch = Schedule.create(twice.op());
      IterVar[] js = sch.get(twice).split(sch.get(twice).axis().get(1), 4);
      sch.get(twice).vectorize(js[1]);
      PrimFunc f = Lower.lower(sch, List.of(a, twice), "scan2");
      int[] in = new int[rows * cols];
      for (int i = 0; i < in.length; i++) in[i] = (i * 13) % 11 - 5;
      try (NDArray na = NDArray.of(in, Shape.of(rows, cols)); NDArray out = NDArray.allocate(DType.I32, Shape.of(rows, cols))) {
        Interpreter.run(f, List.of(na, out));
        for (int r = 0; r < rows; r++) {
          long sum = 0;
          for (int c = 0; c < cols; c++) {
            sum += in[r * cols + c];
            assertThat(out.getLong(r * cols + c)).as("[%d,%d] of %dx%d", r, c, rows, cols).isEqualTo(2 * sum);
          }
        }
      }
    }
  }

  @Test
  void misusesFailWithClearErrors() {
    Tensor a = Te.placeholder(Te.shape(4, 3), DType.F32, "A");
    assertThatThrownBy(() -> Te.extern(List.of(a.shape()), List.of(DType.F32), List.of(a),
        (ins, outs) -> new BufferStore(ins.get(0), IrOps.f32(0), List.of(IrOps.i32(0), IrOps.i32(0))), "w"))
        .isInstanceOf(CompileException.class).hasMessageContaining("extern 'w': the body writes input buffer A");
    Buffer stray = Buffer.of("stray", DType.F32, Te.shape(4, 3));
    assertThatThrownBy(() -> Te.extern(List.of(a.shape()), List.of(DType.F32), List.of(a),
        (ins, outs) -> new BufferStore(outs.get(0), new BufferLoad(stray, List.of(IrOps.i32(0), IrOps.i32(0))),
            List.of(IrOps.i32(0), IrOps.i32(0))), "s"))
        .isInstanceOf(CompileException.class).hasMessageContaining("accesses buffer stray, which is neither an input");
    assertThatThrownBy(() -> Te.extern(List.of(a.shape()), List.of(DType.F32), List.of(a),
        (ins, outs) -> new BufferStore(outs.get(0), a.get(IrOps.i32(0), IrOps.i32(0)), List.of(IrOps.i32(0), IrOps.i32(0))), "p"))
        .isInstanceOf(CompileException.class).hasMessageContaining("extern 'p': the body holds the tensor expression");
    assertThatThrownBy(() -> Te.extern(List.of(a.shape()), List.of(), List.of(a), (ins, outs) -> null, "d"))
        .isInstanceOf(CompileException.class).hasMessageContaining("1 output shapes but 0 dtypes");
    assertThatThrownBy(() -> IrOps.callExtern(DType.I32, "not a name"))
        .isInstanceOf(CompileException.class).hasMessageContaining("is not a C identifier");

    Tensor t = Te.compute(a.shape(), (i, j) -> IrOps.add(a.get(i, j), IrOps.f32(1)), "T");
    Tensor e = Te.extern(List.of(a.shape()), List.of(DType.F32), List.of(t),
        (ins, outs) -> new BufferStore(outs.get(0), new BufferLoad(ins.get(0), List.of(IrOps.i32(1), IrOps.i32(2))),
            List.of(IrOps.i32(0), IrOps.i32(0))), "E").get(0);
    Tensor b = Te.compute(a.shape(), (i, j) -> e.get(i, j), "B");
    Schedule s = Schedule.create(b.op());
    assertInvalid(() -> s.get(e).computeInline(), "computeInline of an extern op");
    assertInvalid(() -> s.get(e).computeAt(s.get(b), s.get(b).axis().get(0)), "computeAt of an extern op");
    assertInvalid(() -> s.cacheWrite(e, "local"), "cacheWrite of an extern op");
    s.get(t).computeInline();
    assertInvalid(() -> Lower.lower(s, List.of(a, b), "f"), "extern 'E' reads T, which has no buffer of its own");
  }

  @Test
  void callExternHasNoInterpreterImplementation() {
    Tensor a = Te.placeholder(Te.shape(8), DType.F32, "A");
    Tensor c = Te.extern(List.of(a.shape()), List.of(DType.F32), List.of(a), (ins, outs) -> new Evaluate(IrOps.callExtern(
        DType.HANDLE, "memcpy", IrOps.addressOf(new BufferLoad(outs.get(0), List.of(IrOps.i32(0)))),
        IrOps.addressOf(new BufferLoad(ins.get(0), List.of(IrOps.i32(0)))), IrOps.i64(32))), "copy").get(0);
    PrimFunc f = Lower.lower(Schedule.create(c.op()), List.of(a, c), "copy");
    assertThat(TirPrinter.print(f)).contains("call_extern(\"memcpy\", address_of(copy[0]), address_of(A[0]), 32i64)");
    try (NDArray x = NDArray.allocate(DType.F32, Shape.of(8)); NDArray y = NDArray.allocate(DType.F32, Shape.of(8))) {
      assertThatThrownBy(() -> Interpreter.run(f, List.of(x, y))).isInstanceOf(CompileException.class)
          .hasMessageContaining("call_extern");
    }
  }
}
