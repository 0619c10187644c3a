package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nnvm4j.backend.HostBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.Nn;

/**
 * Differential test: scheduled programs (matmul, conv2d, softmax, a reduction with a non-divisible
 * split) compiled by LLVM give what the interpreter gives, exactly for integers and within a stated
 * tolerance for floats. float32 results must match to 1e-5 relative (the programs run the same
 * IEEE operations in the same order except where a schedule reorders a reduction); softmax calls
 * libm's exp, so 1e-6 relative plus 1e-7 absolute. The tuple reduction (argmax/argmin, int64 indices),
 * popcount and the if_then_else programs must match exactly.
 */
class ScheduleDifferentialTest {
  record Program(String name, PrimFunc func, List<Tensor> args, double rtol, double atol) {}

  static final List<Program> PROGRAMS = new ArrayList<>();
  static Module module;

  static void add(String name, double rtol, double atol, Supplier<Object[]> build) {
    Object[] sa = build.get();
    Schedule s = (Schedule) sa[0];
    @SuppressWarnings("unchecked") List<Tensor> args = (List<Tensor>) sa[1];
    PROGRAMS.add(new Program(name, Lower.lower(s, args, name), args, rtol, atol));
  }

  static Object[] matmul(DType t, int m, int n, int k, java.util.function.BiConsumer<Schedule, Tensor[]> sched) {
    Tensor a = Te.placeholder(Te.shape(m, k), t, "A");
    Tensor b = Te.placeholder(Te.shape(k, n), t, "B");
    IterVar rk = Te.reduceAxis(k, "k");
    Tensor c = Te.compute(Te.shape(m, n), (i, j) -> Te.sum(IrOps.mul(a.get(i, rk.var()), b.get(rk.var(), j)), rk), "C");
    Schedule s = Schedule.create(c.op());
    sched.accept(s, new Tensor[] {a, b, c});
    return new Object[] {s, List.of(a, b, c)};
  }

  @BeforeAll
  static void compile() {
    for (DType t : List.of(DType.I32, DType.F32)) {
      add("mm_default_" + t, 1e-5, 0, () -> matmul(t, 17, 23, 19, (s, x) -> { }));
      add("mm_tile_vec_par_" + t, 1e-5, 0, () -> matmul(t, 33, 40, 21, (s, x) -> {
        Stage c = s.get(x[2]);
        IterVar[] tl = c.tile(c.axis().get(0), c.axis().get(1), 8, 8);
        IterVar[] kk = c.split(((org.nnvm4j.tensor.te.ComputeOp) x[2].op()).reduceAxis().get(0), 4);
        c.reorder(tl[0], tl[1], kk[0], tl[2], kk[1], tl[3]);
        c.vectorize(tl[3]);
        c.parallel(tl[0]);
      }));
      add("mm_cachewrite_" + t, 1e-5, 0, () -> matmul(t, 30, 24, 13, (s, x) -> {
        Tensor cl = s.cacheWrite(x[2], "local");
        Stage c = s.get(x[2]);
        IterVar[] tl = c.tile(c.axis().get(0), c.axis().get(1), 4, 8);
        Stage l = s.get(cl);
        l.computeAt(c, tl[1]);
        l.vectorize(l.axis().get(1));
        c.parallel(tl[0]);
      }));
      add("rowsum_split7_" + t, 1e-5, 0, () -> {
        Tensor a = Te.placeholder(Te.shape(9, 30), t, "A");
        IterVar k = Te.reduceAxis(30, "k");
        Tensor r = Te.compute(Te.shape(9), i -> Te.sum(a.get(i, k.var()), k), "R");
        Schedule s = Schedule.create(r.op());
        Stage st = s.get(r);
        IterVar[] kk = st.split(k, 7); // 30 = 4 * 7 + 2: the last block is guarded
        st.reorder(kk[0], st.axis().get(0), kk[1]);
        return new Object[] {s, List.of(a, r)};
      });
    }
    add("conv2d_pad_stride_inline", 1e-5, 1e-6, () -> {
      Tensor d = Te.placeholder(Te.shape(1, 4, 11, 9), DType.F32, "data");
      Tensor w = Te.placeholder(Te.shape(6, 2, 3, 3), DType.F32, "weight");
      Tensor c = Conv2d.nchw(d, w, new Conv2d.Params(new int[] {2, 1}, new int[] {1, 1}, new int[] {1, 2}, 2), "conv");
      Schedule s = Schedule.create(c.op());
      Stage st = s.get(c);
      IterVar[] xs = st.split(st.axis().get(3), 4);
      st.vectorize(xs[1]);
      st.parallel(st.axis().get(1));
      return new Object[] {s, List.of(d, w, c)};
    });
    add("softmax_fused", 1e-6, 1e-7, () -> {
      Tensor x = Te.placeholder(Te.shape(5, 37), DType.F32, "x");
      Tensor y = Nn.softmax(x, 1, false, "softmax");
      Schedule s = Schedule.create(y.op());
      for (Stage st : s.stages()) {
        if (st.op().name().equals("softmax_exp")) st.computeInline();
      }
      Stage out = s.get(y);
      out.parallel(out.axis().get(0));
      return new Object[] {s, List.of(x, y)};
    });
    addNewPrimitives();
    module = new LlvmBackendProvider().create(Target.of("llvm")).lowering().codegen(PROGRAMS.stream().map(Program::func).toList(),
        PassContext.defaults());
  }

  /** Programs with the tuple reduction (argmax), split by nparts, popcount and if_then_else. */
  static void addNewPrimitives() {
    for (DType t : List.of(DType.F32, DType.I32, DType.I8)) {
      for (boolean max : new boolean[] {true, false}) {
        add("arg" + (max ? "max" : "min") + "_split_par_" + t, 0, 0, () -> {
          Tensor a = Te.placeholder(Te.shape(13, 27), t, "A");
          Tensor idx = org.nnvm4j.tensor.topi.Reduction.argReduce(a, 1, false, max, !max, "idx");
          Schedule s = Schedule.create(idx.op());
          Stage st = s.get(idx);
          IterVar[] ks = st.split(((org.nnvm4j.tensor.te.ComputeOp) idx.op()).reduceAxis().get(0), 4); // 27 = 6 * 4 + 3
          IterVar[] is = st.splitNParts(st.axis().get(0), 4); // 13 rows in 4 parts of 4: guarded
          st.reorder(is[0], ks[0], is[1], ks[1]);
          st.parallel(is[0]);
          return new Object[] {s, List.of(a, idx)};
        });
      }
    }
    add("argmax_nan_inf_inlined", 0, 0, () -> {
      Tensor a = Te.placeholder(Te.shape(6, 23), DType.F32, "A");
      // NaN where A = 0.625, -inf where A = -1.375: both must be ordered as the interpreter orders them
      Tensor n = Te.compute(a.shape(), (i, j) -> IrOps.select(IrOps.eq(a.get(i, j), IrOps.f32(0.625)), IrOps.f32(Double.NaN),
          IrOps.select(IrOps.eq(a.get(i, j), IrOps.f32(-1.375)), IrOps.f32(Double.NEGATIVE_INFINITY), a.get(i, j))), "N");
      Tensor idx = org.nnvm4j.tensor.topi.Reduction.argmax(n, 1, false, "idx");
      Schedule s = Schedule.create(idx.op());
      s.get(n).computeInline();
      return new Object[] {s, List.of(a, idx)};
    });
    for (DType t : List.of(DType.F32, DType.I16)) {
      add("argmin_axis0_vectorized_" + t, 0, 0, () -> {
        // the column loop inside the reduction, vectorized: the accumulators and new values become vector lets
        Tensor a = Te.placeholder(Te.shape(23, 40), t, "A");
        Tensor idx = org.nnvm4j.tensor.topi.Reduction.argmin(a, 0, false, "idx");
        Schedule s = Schedule.create(idx.op());
        Stage st = s.get(idx);
        IterVar[] js = st.split(st.axis().get(0), 8);
        st.reorder(js[0], ((org.nnvm4j.tensor.te.ComputeOp) idx.op()).reduceAxis().get(0), js[1]);
        st.vectorize(js[1]);
        return new Object[] {s, List.of(a, idx)};
      });
    }
    add("argmax_axis0_keepdims", 0, 0, () -> {
      Tensor a = Te.placeholder(Te.shape(7, 5, 3), DType.F32, "A");
      Tensor idx = org.nnvm4j.tensor.topi.Reduction.argmax(a, 0, true, "idx");
      return new Object[] {Schedule.create(idx.op()), List.of(a, idx)};
    });
    for (DType t : List.of(DType.I8, DType.U8, DType.I16, DType.U16, DType.I32, DType.U32, DType.I64, DType.U64)) {
      add("popcount_vec_" + t, 0, 0, () -> {
        Tensor a = Te.placeholder(Te.shape(37), t, "A");
        // x * 0x9E3779B1 spreads the small test values over every bit of the dtype
        Tensor b = Te.compute(a.shape(), i -> IrOps.popcount(IrOps.mul(a.get(i), IrOps.intImm(t, 0x9E3779B97F4A7C15L))), "B");
        Schedule s = Schedule.create(b.op());
        IterVar[] is = s.get(b).split(s.get(b).axis().get(0), 8);
        s.get(b).vectorize(is[1]);
        return new Object[] {s, List.of(a, b)};
      });
    }
    for (DType t : List.of(DType.F32, DType.I32)) {
      add("if_then_else_guarded_load_" + t, 0, 0, () -> {
        Tensor a = Te.placeholder(Te.shape(29), t, "A");
        // B[i] = A[i + 3] + A[i - 2] where both exist, else -1: the other loads would leave the buffer
        Tensor b = Te.compute(a.shape(), i -> IrOps.ifThenElse(IrOps.and(IrOps.lt(i, IrOps.i32(26)), IrOps.ge(i, IrOps.i32(2))),
            IrOps.add(a.get(IrOps.add(i, IrOps.i32(3))), a.get(IrOps.sub(i, IrOps.i32(2)))), IrOps.constant(t, -1)), "B");
        Schedule s = Schedule.create(b.op());
        IterVar[] is = s.get(b).splitNParts(s.get(b).axis().get(0), 3);
        s.get(b).vectorize(is[1]); // the call keeps the loop serial
        return new Object[] {s, List.of(a, b)};
      });
    }
    add("extern_histogram", 0, 0, () -> {
      // a scatter no compute can express: H[floormod(A[i], 16)] += 1, hand-written, then scaled by a compute
      Tensor a = Te.placeholder(Te.shape(53), DType.I32, "A");
      Tensor h = Te.extern(List.of(Te.shape(16)), List.of(DType.I32), List.of(a), (ins, outs) -> {
        org.nnvm4j.tensor.tir.Var i = new org.nnvm4j.tensor.tir.Var("i", DType.I32);
        org.nnvm4j.tensor.tir.Buffer hist = outs.get(0);
        Expr bin = IrOps.floorMod(new org.nnvm4j.tensor.tir.BufferLoad(ins.get(0), List.of(i)), IrOps.i32(16));
        return org.nnvm4j.tensor.tir.SeqStmt.of(
            new org.nnvm4j.tensor.tir.For(i, IrOps.i32(0), IrOps.i32(16), org.nnvm4j.tensor.tir.ForKind.SERIAL,
                new org.nnvm4j.tensor.tir.BufferStore(hist, IrOps.i32(0), List.of(i))),
            new org.nnvm4j.tensor.tir.For(i, IrOps.i32(0), IrOps.i32(53), org.nnvm4j.tensor.tir.ForKind.SERIAL,
                new org.nnvm4j.tensor.tir.BufferStore(hist, IrOps.add(new org.nnvm4j.tensor.tir.BufferLoad(hist, List.of(bin)),
                    IrOps.i32(1)), List.of(bin))));
      }, "hist").get(0);
      Tensor out = Te.compute(h.shape(), i -> IrOps.mul(h.get(i), IrOps.i32(3)), "H3");
      return new Object[] {Schedule.create(out.op()), List.of(a, out)};
    });
    for (DType t : List.of(DType.F32, DType.I32)) {
      add("scan_running_sum_" + t, 1e-6, 0, () -> {
        // S[0] = X[0]; S[t] = S[t-1] * 0.5 + X[t] (exact in binary for these inputs), the update vectorized
        Tensor x = Te.placeholder(Te.shape(11, 20), t, "X");
        Tensor state = Te.placeholder(Te.shape(11, 20), t, "state");
        Tensor init = Te.compute(Te.shape(1, 20), (i, j) -> x.get(IrOps.i32(0), j), "init");
        Tensor update = Te.compute(Te.shape(11, 20), (i, j) -> IrOps.add(t.isFloat()
            ? IrOps.mul(state.get(IrOps.sub(i, IrOps.i32(1)), j), IrOps.constant(t, 0.5))
            : state.get(IrOps.sub(i, IrOps.i32(1)), j), x.get(i, j)), "update");
        Tensor sc = Te.scan(init, update, state, "S");
        Schedule s = Schedule.create(sc.op());
        IterVar[] js = s.get(update).split(s.get(update).axis().get(1), 8);
        s.get(update).vectorize(js[1]);
        return new Object[] {s, List.of(x, sc)};
      });
    }
    add("mm_split_nparts_f32", 1e-5, 0, () -> matmul(DType.F32, 19, 22, 15, (s, x) -> {
      Stage c = s.get(x[2]);
      IterVar[] is = c.splitNParts(c.axis().get(0), 4);
      IterVar[] js = c.splitNParts(c.axis().get(1), 3);
      c.reorder(is[0], js[0], is[1], js[1]);
      c.parallel(is[0]);
    }));
  }

  @AfterAll
  static void close() { module.close(); }

  @TestFactory
  Stream<DynamicTest> llvmEqualsTheInterpreter() {
    return PROGRAMS.stream().map(p -> DynamicTest.dynamicTest(p.name(), () -> {
      List<NDArray> ins = new ArrayList<>();
      List<NDArray> want = new ArrayList<>();
      List<org.nnvm4j.backend.DeviceBuffer> bufs = new ArrayList<>();
      for (int i = 0; i < p.args().size(); i++) {
        Tensor t = p.args().get(i);
        long[] dims = t.shape().stream().mapToLong(e -> IrOps.asLong(e)).toArray();
        NDArray a = NDArray.allocate(t.dtype(), Shape.of(dims));
        boolean output = i == p.args().size() - 1;
        for (long j = 0; !output && j < a.numElements(); j++) a.setDouble(j, ((j * 37 + i * 11) % 23 - 11) * (t.dtype().isFloat() ? 0.125 : 1));
        HostBuffer h = new HostBuffer(CpuRuntime.CPU, a.byteSize());
        MemorySegment.copy(a.segment(), 0, h.segment(), 0, a.byteSize());
        bufs.add(h);
        want.add(a);
      }
      Interpreter.run(p.func(), want);
      module.function(p.name()).call(bufs, new long[0]);
      NDArray expected = want.get(want.size() - 1);
      try (NDArray got = NDArray.wrap(expected.dtype(), expected.shape(), ((HostBuffer) bufs.get(bufs.size() - 1)).segment())) {
        for (long j = 0; j < expected.numElements(); j++) {
          if (expected.dtype().isFloat()) {
            double w = expected.getDouble(j);
            assertThat(Math.abs(got.getDouble(j) - w)).as("%s[%d]", p.name(), j).isLessThanOrEqualTo(p.atol() + p.rtol() * Math.abs(w));
          } else {
            assertThat(got.getLong(j)).as("%s[%d]", p.name(), j).isEqualTo(expected.getLong(j));
          }
        }
      }
      want.forEach(NDArray::close);
      ins.forEach(NDArray::close);
    }));
  }
}
