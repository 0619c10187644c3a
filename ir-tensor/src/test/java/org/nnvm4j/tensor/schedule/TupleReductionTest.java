package org.nnvm4j.tensor.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.tensor.schedule.ScheduleAsserts.assertInvalid;

import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.topi.Reduction;

/**
 * Tuple-valued commutative reducers (TVM's {@code comm_reducer} over several values): argmax/argmin over
 * (index, value) pairs in one pass, checked by the interpreter against a Java loop over shapes with ties,
 * NaN and infinities, under several schedules; and the misuses of the API.
 */
class TupleReductionTest {
  /** Values with many ties, infinities and (when {@code nans}) NaNs. */
  private static float[] data(int n, long seed, boolean nans) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      int c = r.nextInt(12);
      a[i] = c == 0 ? Float.NEGATIVE_INFINITY : c == 1 ? Float.POSITIVE_INFINITY : c == 2 && nans ? Float.NaN : r.nextInt(4) - 2;
    }
    return a;
  }

  /** The reference: first (or last) index of the extreme along {@code axis} of a rank-2 array; NaN is the extreme. */
  private static long[] reference(float[] a, int rows, int cols, int axis, boolean max, boolean last) {
    int outer = axis == 0 ? cols : rows;
    int len = axis == 0 ? rows : cols;
    long[] out = new long[outer];
    for (int o = 0; o < outer; o++) {
      int best = -1;
      for (int k = 0; k < len; k++) {
        float v = axis == 0 ? a[k * cols + o] : a[o * cols + k];
        if (best < 0) {
          best = k;
          continue;
        }
        float b = axis == 0 ? a[best * cols + o] : a[o * cols + best];
        boolean better = Float.isNaN(v) ? !Float.isNaN(b) || last : !Float.isNaN(b) && (max ? v > b : v < b) || v == b && last;
        if (better) best = k;
      }
      out[o] = best;
    }
    return out;
  }

  private static long[] run(PrimFunc f, float[] a, int rows, int cols, int outLen) {
    try (NDArray na = NDArray.of(a, Shape.of(rows, cols)); NDArray out = NDArray.allocate(DType.I64, Shape.of(outLen))) {
      for (int i = 0; i < outLen; i++) out.setDouble(i, -7);
      Interpreter.run(f, List.of(na, out));
      long[] r = new long[outLen];
      for (int i = 0; i < outLen; i++) r[i] = out.getLong(i);
      return r;
    }
  }

  private static void check(int rows, int cols, int axis, boolean max, boolean last, Consumer<Stage> schedule) {
    Tensor a = Te.placeholder(Te.shape(rows, cols), DType.F32, "A");
    Tensor idx = Reduction.argReduce(a, axis, false, max, last, "arg");
    Schedule s = Schedule.create(idx.op());
    schedule.accept(s.get(idx));
    PrimFunc f = Lower.lower(s, List.of(a, idx), "arg");
    for (long seed = 1; seed <= 3; seed++) {
      float[] in = data(rows * cols, seed * 31 + rows, true);
      assertThat(run(f, in, rows, cols, axis == 0 ? cols : rows))
          .as("%dx%d axis %d max=%s last=%s seed %d", rows, cols, axis, max, last, seed)
          .containsExactly(reference(in, rows, cols, axis, max, last));
    }
  }

  @Test
  void argmaxAndArgminMatchJavaOverShapesAxesAndTies() {
    for (int[] shape : new int[][] {{1, 1}, {1, 5}, {7, 1}, {3, 7}, {9, 4}}) {
      for (int axis = 0; axis < 2; axis++) {
        for (boolean max : new boolean[] {true, false}) {
          for (boolean last : new boolean[] {false, true}) check(shape[0], shape[1], axis, max, last, st -> { });
        }
      }
    }
  }

  @Test
  void argmaxUnderSplitReorderAndParallelSchedules() {
    // a non-divisible split of the reduction (9 = 2 * 4 + 1), moved outside the data-parallel loop
    check(5, 9, 1, true, false, st -> {
      IterVar[] ks = st.split(st.op() instanceof org.nnvm4j.tensor.te.ComputeOp c ? c.reduceAxis().get(0) : null, 4);
      st.reorder(ks[0], st.axis().get(0), ks[1]);
    });
    // the data-parallel axis in 3 parts (7 = 3 * 3 - 2, guarded), parallel, vectorized inner (stays serial: lets)
    check(7, 6, 1, false, true, st -> {
      IterVar[] is = st.splitNParts(st.axis().get(0), 3);
      st.parallel(is[0]).vectorize(is[1]);
    });
  }

  @Test
  void cacheWriteOfATupleReductionCopiesBothValues() {
    // the cache stage reduces both values into local buffers; the copy stage writes the index (and the value)
    check(6, 11, 1, true, false, st -> {
      Schedule s = st.schedule();
      Tensor local = s.cacheWrite(st.op().output(0), "local");
      Stage ls = s.get(local);
      ls.split(((org.nnvm4j.tensor.te.ComputeOp) local.op()).reduceAxis().get(0), 4);
      st.parallel(st.axis().get(0));
    });
  }

  @Test
  void keepDimsAndIntegerInputs() {
    Tensor a = Te.placeholder(Te.shape(4, 5), DType.I32, "A");
    Tensor idx = Reduction.argmin(a, 0, true, "argmin");
    assertThat(idx.shape()).isEqualTo(Te.shape(1, 5));
    PrimFunc f = Lower.lower(Schedule.create(idx.op()), List.of(a, idx), "argmin");
    int[] in = {3, -1, 4, 1, 5, 3, 9, -2, 6, 5, 3, 5, 8, -2, 7, 9, -1, 2, 1, 0};
    try (NDArray na = NDArray.of(in, Shape.of(4, 5)); NDArray out = NDArray.allocate(DType.I64, Shape.of(1, 5))) {
      Interpreter.run(f, List.of(na, out));
      long[] got = new long[5];
      for (int i = 0; i < 5; i++) got[i] = out.getLong(i);
      assertThat(got).containsExactly(0, 0, 1, 2, 3); // column 0: 3,3,3,9 -> the first 3; column 1: -1,9,5,-1 -> 0
    }
  }

  @Test
  void bothOutputsOfAUserTupleReducerAreWritten() {
    // (min, max) in one pass: a tuple reducer that is not argmax
    Te.TupleReducer minMax = Te.tupleReducer("minmax", (x, y) -> List.of(IrOps.min(x.get(0), y.get(0)),
        IrOps.max(x.get(1), y.get(1))), t -> List.of(Te.highest(t.get(0)), Te.lowest(t.get(1))));
    Tensor a = Te.placeholder(Te.shape(3, 11), DType.I32, "A");
    IterVar k = Te.reduceAxis(11, "k");
    List<Tensor> mm = Te.computeTuple(Te.shape(3), i -> minMax.reduce(List.of(a.get(i.get(0), k.var()),
        a.get(i.get(0), k.var())), k), "MM", "", java.util.Map.of());
    Schedule s = Schedule.create(mm.get(0).op());
    s.get(mm.get(0)).split(k, 3);
    PrimFunc f = Lower.lower(s, List.of(a, mm.get(0), mm.get(1)), "minmax");
    int[] in = new int[33];
    for (int i = 0; i < 33; i++) in[i] = (i * 17) % 29 - 14;
    try (NDArray na = NDArray.of(in, Shape.of(3, 11)); NDArray lo = NDArray.allocate(DType.I32, Shape.of(3));
        NDArray hi = NDArray.allocate(DType.I32, Shape.of(3))) {
      Interpreter.run(f, List.of(na, lo, hi));
      for (int r = 0; r < 3; r++) {
        int mn = Integer.MAX_VALUE;
        int mx = Integer.MIN_VALUE;
        for (int c = 0; c < 11; c++) {
          mn = Math.min(mn, in[r * 11 + c]);
          mx = Math.max(mx, in[r * 11 + c]);
        }
        assertThat(lo.getLong(r)).isEqualTo(mn);
        assertThat(hi.getLong(r)).isEqualTo(mx);
      }
    }
  }

  @Test
  void misusesFailWithClearErrors() {
    Tensor a = Te.placeholder(Te.shape(4, 6), DType.F32, "A");
    IterVar k = Te.reduceAxis(6, "k");
    Te.TupleReducer r = Reduction.argReducer(true, false);
    List<Expr> vals = r.reduce(List.of(IrOps.cast(DType.I64, k.var()), a.get(IrOps.i32(0), k.var())), k);
    assertThatThrownBy(() -> Te.computeTuple(Te.shape(4), i -> List.of(vals.get(1), vals.get(0)), "swapped", "", java.util.Map.of()))
        .isInstanceOf(CompileException.class).hasMessageContaining("compute 'swapped': output 0 is not value 0");
    assertThatThrownBy(() -> Te.computeTuple(Te.shape(4), i -> List.of(vals.get(0)), "half", "", java.util.Map.of()))
        .isInstanceOf(CompileException.class).hasMessageContaining("1 outputs for a reducer of 2 values");
    assertThatThrownBy(() -> Te.computeTuple(Te.shape(4), i -> List.of(vals.get(0), IrOps.f32(1)), "mixed", "", java.util.Map.of()))
        .isInstanceOf(CompileException.class).hasMessageContaining("either all outputs are the values of one reduction");
    assertThatThrownBy(() -> Te.computeN(Te.shape(4), i -> vals.get(1), "one", "", java.util.Map.of()))
        .isInstanceOf(CompileException.class).hasMessageContaining("output 0 is not value 0");
    Te.TupleReducer badId = Te.tupleReducer("bad", (x, y) -> List.of(x.get(0), y.get(1)), t -> List.of(IrOps.i32(0), IrOps.i32(0)));
    assertThatThrownBy(() -> badId.reduce(List.of(IrOps.cast(DType.I64, k.var()), a.get(IrOps.i32(0), k.var())), k))
        .isInstanceOf(CompileException.class).hasMessageContaining("reduction 'bad': value 0 has dtype int64 but its identity has int32");
    assertThatThrownBy(() -> r.reduce(List.of(IrOps.cast(DType.I64, k.var())), IrOps.i32(1), k))
        .isInstanceOf(CompileException.class).hasMessageContaining("condition");

    assertThat(org.nnvm4j.tensor.tir.TirPrinter.print(vals.get(1))).isEqualTo("reduce(int64(k), A[0, k], axis=[k])[1]");
    Tensor idx = Reduction.argmax(a, 1, false, "am");
    Schedule s = Schedule.create(idx.op());
    assertInvalid(() -> s.rfactor(idx, ((org.nnvm4j.tensor.te.ComputeOp) idx.op()).reduceAxis().get(0)),
        "rfactor of a stage that is not a single-valued reduction");
    assertInvalid(() -> s.get(idx).computeInline(), "computeInline of a reduction");
  }
}
