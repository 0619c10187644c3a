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
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;

/** {@code Te.scan}: recurrences over the first axis, checked by the interpreter against Java; and the misuses. */
class ScanTest {
  /** The tensors of a running sum over rows: S[0] = X[0], S[t] = S[t - 1] + X[t]. */
  record CumSum(Tensor x, Tensor state, Tensor init, Tensor update, Tensor scan) {
    static CumSum of(int rows, int cols, DType t) {
      Tensor x = Te.placeholder(Te.shape(rows, cols), t, "X");
      Tensor state = Te.placeholder(Te.shape(rows, cols), t, "state");
      Tensor init = Te.compute(Te.shape(1, cols), (i, j) -> x.get(IrOps.i32(0), j), "init");
      Tensor update = Te.compute(Te.shape(rows, cols), (i, j) -> IrOps.add(state.get(IrOps.sub(i, IrOps.i32(1)), j), x.get(i, j)),
          "update");
      return new CumSum(x, state, init, update, Te.scan(init, update, state, "S"));
    }
  }

  private static long[] run(PrimFunc f, int[] in, int rows, int cols) {
    try (NDArray x = NDArray.of(in, Shape.of(rows, cols)); NDArray out = NDArray.allocate(DType.I32, Shape.of(rows, cols))) {
      Interpreter.run(f, List.of(x, out));
      long[] r = new long[rows * cols];
      for (int i = 0; i < r.length; i++) r[i] = out.getLong(i);
      return r;
    }
  }

  @Test
  void runningSumOverRowsWithAScheduledUpdateMatchesJava() {
    for (int[] shape : new int[][] {{1, 3}, {5, 7}, {6, 16}}) {
      int rows = shape[0], cols = shape[1];
      CumSum c = CumSum.of(rows, cols, DType.I32);
      Tensor twice = Te.compute(c.scan().shape(), (i, j) -> IrOps.mul(c.scan().get(i, j), IrOps.i32(2)), "B");
      Schedule s = Schedule.create(twice.op());
      Stage u = s.get(c.update());
      IterVar[] js = u.split(u.axis().get(1), 4);
      u.vectorize(js[1]);
      PrimFunc f = Lower.lower(s, List.of(c.x(), twice), "cumsum2");
      int[] in = new int[rows * cols];
      for (int i = 0; i < in.length; i++) in[i] = (i * 7) % 9 - 4;
      long[] want = new long[rows * cols];
      for (int j = 0; j < cols; j++) {
        long acc = 0;
        for (int r = 0; r < rows; r++) {
          acc += in[r * cols + j];
          want[r * cols + j] = 2 * acc;
        }
      }
      assertThat(run(f, in, rows, cols)).as("%dx%d", rows, cols).containsExactly(want);
    }
  }

  @Test
  void aRecurrenceOverTwoEarlierRowsWithTwoInitialRows() {
    // Fibonacci down the rows: S[0] = X[0], S[1] = X[1], S[t] = S[t-1] + S[t-2]
    int rows = 9, cols = 3;
    Tensor x = Te.placeholder(Te.shape(rows, cols), DType.I32, "X");
    Tensor state = Te.placeholder(Te.shape(rows, cols), DType.I32, "state");
    Tensor init = Te.compute(Te.shape(2, cols), (i, j) -> x.get(i, j), "init");
    Tensor update = Te.compute(Te.shape(rows, cols), (i, j) -> IrOps.add(state.get(IrOps.sub(i, IrOps.i32(1)), j),
        state.get(IrOps.sub(i, IrOps.i32(2)), j)), "update");
    Tensor fib = Te.scan(init, update, state, "fib");
    PrimFunc f = Lower.lower(Schedule.create(fib.op()), List.of(x, fib), "fib");
    int[] in = new int[rows * cols];
    for (int j = 0; j < cols; j++) {
      in[j] = j;
      in[cols + j] = 1;
    }
    long[] got = run(f, in, rows, cols);
    for (int j = 0; j < cols; j++) {
      long a = j, b = 1;
      assertThat(got[j]).isEqualTo(a);
      assertThat(got[cols + j]).isEqualTo(b);
      for (int r = 2; r < rows; r++) {
        long n = a + b;
        a = b;
        b = n;
        assertThat(got[r * cols + j]).as("row %d col %d", r, j).isEqualTo(n);
      }
    }
  }

  @Test
  void misusesFailWithClearErrors() {
    Tensor x = Te.placeholder(Te.shape(4, 3), DType.F32, "X");
    Tensor state = Te.placeholder(Te.shape(4, 3), DType.F32, "state");
    Tensor init = Te.compute(Te.shape(1, 3), (i, j) -> x.get(IrOps.i32(0), j), "init");
    Tensor same = Te.compute(Te.shape(4, 3), (i, j) -> IrOps.add(state.get(i, j), IrOps.f32(1)), "same");
    assertThatThrownBy(() -> Te.scan(init, same, state, "S")).isInstanceOf(CompileException.class)
        .hasMessageContaining("scan 'S': update reads state at row i; only earlier rows");
    Tensor update = Te.compute(Te.shape(4, 3), (i, j) -> IrOps.add(state.get(IrOps.sub(i, IrOps.i32(1)), j), x.get(i, j)), "update");
    assertThatThrownBy(() -> Te.scan(init, update, init, "S")).isInstanceOf(CompileException.class)
        .hasMessageContaining("must be a placeholder");
    Tensor wide = Te.compute(Te.shape(1, 5), (i, j) -> x.get(IrOps.i32(0), IrOps.i32(0)), "wide");
    assertThatThrownBy(() -> Te.scan(wide, update, state, "S")).isInstanceOf(CompileException.class)
        .hasMessageContaining("dimension 1 differs");
    Tensor tooMany = Te.compute(Te.shape(5, 3), (i, j) -> x.get(IrOps.i32(0), j), "tooMany");
    assertThatThrownBy(() -> Te.scan(tooMany, update, state, "S")).isInstanceOf(CompileException.class)
        .hasMessageContaining("scan 'S': init has 5 rows; expected a constant from 1 to the scan's 4");

    Tensor s1 = Te.scan(init, update, state, "S");
    Schedule a = Schedule.create(s1.op());
    a.get(update).computeInline();
    assertInvalid(() -> Lower.lower(a, List.of(x, s1), "f"), "stage 'update' is the update of scan 'S'; it cannot be inlined");
    Schedule b = Schedule.create(s1.op());
    assertInvalid(() -> Lower.lower(b, List.of(x, update, s1), "f"), "update belongs to scan 'S' and has no buffer of its own");
    Tensor peek = Te.compute(Te.shape(4, 3), (i, j) -> IrOps.add(update.get(i, j), s1.get(i, j)), "peek");
    assertInvalid(() -> Lower.lower(Schedule.create(peek.op()), List.of(x, peek), "f"),
        "stage 'peek' reads update, a part of scan 'S'; read the scan's output instead");
    Schedule c = Schedule.create(s1.op());
    assertInvalid(() -> c.get(s1).computeInline(), "computeInline of a scan");
  }
}
