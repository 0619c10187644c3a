package org.nnvm4j.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Add;
import org.nnvm4j.tensor.tir.Broadcast;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.Cast;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.GT;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Mul;
import org.nnvm4j.tensor.tir.Ramp;
import org.nnvm4j.tensor.tir.Select;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.Sub;
import org.nnvm4j.tensor.tir.Var;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * Programs beyond seed 1 on the OpenCL device, each checked against the TIR interpreter: a
 * two-kernel function with a device temporary, a 2-d injective program with an inlined
 * intermediate, a reduction, and vector code.
 */
class OpenClKernelsTest extends DeviceCheck {
  @Test
  void twoBoundStagesRunAsTwoKernelsWithADeviceTemporary() {
    Tensor a = Te.placeholder(List.of(Te.var("n")), DType.F32, "A");
    Tensor b = Te.compute(a.shape(), i -> IrOps.mul(a.get(i), IrOps.f32(2)), "B");
    Tensor c = Te.compute(a.shape(), i -> IrOps.add(b.get(i), IrOps.f32(1)), "C");
    Schedule s = Schedule.create(c.op());
    for (Tensor t : List.of(b, c)) {
      Stage st = s.get(t);
      IterVar[] io = st.split(st.axis().get(0), 32);
      st.bind(io[0], "blockIdx.x").bind(io[1], "threadIdx.x");
    }
    PrimFunc f = Lower.lower(s, List.of(a, c), "twostage");
    try (Module m = backend.codegen(List.of(f), PassContext.defaults())) {
      assertThat(m.source("cl")).contains("__kernel void twostage_kernel0(").contains("__kernel void twostage_kernel1(")
          .contains("__global float* restrict B");
      assertMatchesInterpreter(f, m, List.of(Shape.of(100), Shape.of(100)), 0);
    }
  }

  @Test
  void aTwoDimensionalInjectiveProgramFusesItsAxesAndInlinesItsIntermediate() {
    Tensor a = Te.placeholder(Te.shape(7, 45), DType.F32, "A");
    Tensor e = Te.compute(a.shape(), (i, j) -> IrOps.call(DType.F32, "exp", a.get(i, j)), "E");
    Tensor r = Te.compute(a.shape(), (i, j) -> IrOps.max(e.get(i, j), IrOps.f32(1.5)), "R");
    PrimFunc f = Lower.lower(backend.schedule(new ScheduleRequest(List.of(r), "injective", "exp", Map.of())),
        List.of(a, r), "expmax");
    try (Module m = backend.codegen(List.of(f), PassContext.defaults())) {
      assertThat(m.source("cl")).contains("fmax(exp(A[").doesNotContain("__kernel void expmax_kernel1");
      assertMatchesInterpreter(f, m, List.of(Shape.of(7, 45), Shape.of(7, 45)), 2e-6);
    }
  }

  @Test
  void narrowIntegerLiteralsKeepTheirTypeSoBuiltinsResolve() {
    Tensor a = Te.placeholder(Te.shape(300), DType.U8, "A");
    Tensor c = Te.compute(a.shape(), i -> IrOps.max(a.get(i), IrOps.intImm(DType.U8, 7)), "C");
    PrimFunc f = Lower.lower(backend.schedule(new ScheduleRequest(List.of(c), "elemwise", "maximum", Map.of())),
        List.of(a, c), "clamp8");
    try (Module m = backend.codegen(List.of(f), PassContext.defaults())) {
      assertThat(m.source("cl")).contains("max(((uchar)A[").contains(", ((uchar)7u))");
      assertComputes(m, "clamp8", i -> Math.max(i & 0xff, 7));
    }
    // a select of two uchars is an int in C: max of it and a uchar must still resolve (max pooling of uint8 with padding)
    Tensor p = Te.compute(a.shape(), i -> IrOps.max(IrOps.select(IrOps.lt(i, IrOps.i32(100)), a.get(i),
        IrOps.intImm(DType.U8, 0)), IrOps.intImm(DType.U8, 9)), "P");
    PrimFunc g = Lower.lower(backend.schedule(new ScheduleRequest(List.of(p), "elemwise", "maximum", Map.of())),
        List.of(a, p), "selmax8");
    try (Module m = backend.codegen(List.of(g), PassContext.defaults())) {
      assertComputes(m, "selmax8", i -> Math.max(i < 100 ? i & 0xff : 0, 9));
    }
  }

  /** Runs the uint8 function {@code name} of {@code m} on 0, 1, ..., 299 (mod 256); {@code want} maps an index to its output. */
  private static void assertComputes(Module m, String name, java.util.function.IntUnaryOperator want) {
    Runtime rt = backend.runtime();
    byte[] in = new byte[300];
    for (int i = 0; i < in.length; i++) in[i] = (byte) i;
    try (DeviceBuffer x = rt.allocate(Device.opencl(0), 300); DeviceBuffer y = rt.allocate(Device.opencl(0), 300)) {
      rt.copyFromHost(java.lang.foreign.MemorySegment.ofArray(in), x);
      m.function(name).call(List.of(x, y), new long[0]);
      byte[] out = new byte[300];
      rt.copyToHost(y, java.lang.foreign.MemorySegment.ofArray(out));
      for (int i = 0; i < out.length; i++) assertThat(out[i] & 0xff).as("%s[%d]", name, i).isEqualTo(want.applyAsInt(i));
    }
  }

  @Test
  void aRowSumRunsOneThreadPerOutputElement() {
    Tensor a = Te.placeholder(Te.shape(37, 50), DType.F32, "A");
    IterVar k = Te.reduceAxis(50, "k");
    Tensor s = Te.compute(Te.shape(37), i -> Te.sum(a.get(i, k.var()), k), "S");
    PrimFunc f = Lower.lower(backend.schedule(new ScheduleRequest(List.of(s), "comm_reduce", "sum", Map.of())),
        List.of(a, s), "rowsum");
    try (Module m = backend.codegen(List.of(f), PassContext.defaults())) {
      assertMatchesInterpreter(f, m, List.of(Shape.of(37, 50), Shape.of(37)), 0);
    }
  }

  @Test
  void vectorLoadsGathersCastsAndSelectsUseOpenClVectorTypes() {
    int lanes = 4;
    int n = 64;
    Buffer a = Buffer.of("A", DType.F32, List.of(IrOps.i32(2 * n)));
    Buffer b = Buffer.of("B", DType.F32, List.of(IrOps.i32(n)));
    Buffer c = Buffer.of("C", DType.F32, List.of(IrOps.i32(n)));
    Var i = new Var("i", DType.I32);
    Expr base = IrOps.mul(i, IrOps.i32(lanes));
    Expr contiguous = new Ramp(base, IrOps.i32(1), lanes);
    Expr av = new BufferLoad(a, List.of(new Ramp(IrOps.mul(base, IrOps.i32(2)), IrOps.i32(2), lanes)));
    Expr bv = new Cast(DType.F32.withLanes(lanes), new Cast(DType.I32.withLanes(lanes), new BufferLoad(b, List.of(contiguous))));
    Expr sum = new Add(av, new Mul(bv, new Broadcast(IrOps.f32(2), lanes)));
    Expr positive = new GT(sum, new Broadcast(IrOps.f32(0), lanes));
    Expr value = new Add(new Select(positive, sum, new Sub(new Broadcast(IrOps.f32(0), lanes), sum)),
        new Cast(DType.F32.withLanes(lanes), positive));
    Stmt body = new For(i, IrOps.i32(0), IrOps.i32(n / lanes), ForKind.THREAD_BINDING, "threadIdx.x",
        new BufferStore(c, value, List.of(contiguous)));
    PrimFunc f = new PrimFunc("vec", List.of(a, b, c), List.of(), body, Map.of());
    try (Module m = backend.codegen(List.of(f), PassContext.defaults())) {
      assertThat(m.source("cl")).contains("vstore4(").contains("vload4(0, B + (i * 4))").contains("convert_float4(convert_int4(")
          .contains("((float4)(A[((i * 4) * 2) + 0 * 2], A[((i * 4) * 2) + 1 * 2], ").contains("((float4)(2.0f))").contains("convert_float4(-(");
      assertMatchesInterpreter(f, m, List.of(Shape.of(2 * n), Shape.of(n), Shape.of(n)), 0);
    }
  }

  @Test
  void aBlockLargerThanTheDeviceAllowsIsRefusedBeforeTheLaunch() {
    long max = ClDevice.all().get(0).maxWorkGroupSize();
    OpenClBackend big = new OpenClBackend(new OpenClBackendProvider().targetKind()
        .validate(Target.parse("opencl -max_num_threads=" + 2 * max)), true);
    Tensor a = Te.placeholder(List.of(Te.var("n")), DType.F32, "A");
    Tensor c = Te.compute(a.shape(), i -> IrOps.sub(IrOps.f32(0), a.get(i)), "C");
    PrimFunc f = Lower.lower(big.schedule(new ScheduleRequest(List.of(c), "elemwise", "negative", Map.of())), List.of(a, c), "neg");
    Runtime rt = backend.runtime();
    try (Module m = big.codegen(List.of(f), PassContext.defaults()); DeviceBuffer x = rt.allocate(Device.opencl(0), 40);
         DeviceBuffer y = rt.allocate(Device.opencl(0), 40)) {
      assertThatThrownBy(() -> m.function("neg").call(List.of(x, y), new long[] {10}))
          .isInstanceOf(org.nnvm4j.pass.diag.DeviceRuntimeException.class)
          .hasMessageContaining("neg: kernel neg_kernel0 needs blocks of " + 2 * max + " threads, but opencl(0)")
          .hasMessageContaining("allows " + max + "; compile with a smaller -max_num_threads");
    }
  }

  /** Runs {@code f} on random inputs (all but the last shape) on the device and in the interpreter; {@code rtol} 0 means exact. */
  @Test
  void argmaxPopcountAndIfThenElseRunOnTheDevice() {
    // one-pass argmax (a tuple reduction: lets and two accumulators), then popcount and a guarded load
    Tensor a = Te.placeholder(Te.shape(13, 29), DType.F32, "A");
    Tensor idx = org.nnvm4j.tensor.topi.Reduction.argmax(a, 1, false, "idx");
    Tensor r = Te.compute(Te.shape(13), i -> IrOps.add(IrOps.add(IrOps.cast(DType.F32, idx.get(i)),
        IrOps.cast(DType.F32, IrOps.popcount(IrOps.cast(DType.I32, IrOps.mul(a.get(i, IrOps.i32(0)), IrOps.f32(1000)))))),
        IrOps.ifThenElse(IrOps.lt(i, IrOps.i32(12)), a.get(IrOps.add(i, IrOps.i32(1)), IrOps.i32(28)), IrOps.f32(0))), "R");
    PrimFunc f = Lower.lower(backend.schedule(new ScheduleRequest(List.of(r), "opaque", "argmax", Map.of())), List.of(a, r), "argpop");
    try (Module m = backend.codegen(List.of(f), PassContext.defaults())) {
      assertThat(m.source("cl")).contains("popcount(").contains(" ? ");
      assertMatchesInterpreter(f, m, List.of(Shape.of(13, 29), Shape.of(13)), 0);
    }
  }

  private static void assertMatchesInterpreter(PrimFunc f, Module m, List<Shape> shapes, double rtol) {
    DeviceCheck.assertMatches(backend.runtime(), f, m, f, shapes, rtol);
  }
}
