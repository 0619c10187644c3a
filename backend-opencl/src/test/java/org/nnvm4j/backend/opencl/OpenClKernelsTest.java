package org.nnvm4j.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.backend.ScheduleRequest;
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
@Tag("gpu")
class OpenClKernelsTest {
  private static OpenClBackend backend;

  @BeforeAll
  static void open() {
    OpenClBackendProvider p = new OpenClBackendProvider();
    Availability a = p.availability();
    Assumptions.assumeTrue(a.canRun(), a.reason());
    backend = (OpenClBackend) p.create(p.targetKind().validate(Target.parse("opencl -max_num_threads=64")));
  }

  @AfterAll
  static void close() {
    if (backend != null) backend.close();
  }

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
      assertThat(m.source("cl")).contains("max(A[").contains(", ((uchar)7u))");
      Runtime rt = backend.runtime();
      byte[] in = new byte[300];
      for (int i = 0; i < in.length; i++) in[i] = (byte) i;
      try (DeviceBuffer x = rt.allocate(Device.opencl(0), 300); DeviceBuffer y = rt.allocate(Device.opencl(0), 300)) {
        rt.copyFromHost(java.lang.foreign.MemorySegment.ofArray(in), x);
        m.function("clamp8").call(List.of(x, y), new long[0]);
        byte[] out = new byte[300];
        rt.copyToHost(y, java.lang.foreign.MemorySegment.ofArray(out));
        for (int i = 0; i < out.length; i++) assertThat(out[i] & 0xff).as("C[%d]", i).isEqualTo(Math.max(i & 0xff, 7));
      }
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
    Random rnd = new Random(7);
    List<NDArray> host = new ArrayList<>();
    for (Shape sh : shapes) {
      float[] v = new float[(int) sh.numElements()];
      for (int i = 0; i < v.length; i++) v[i] = rnd.nextFloat() * 4 - 2;
      host.add(NDArray.of(v, sh));
    }
    Runtime rt = backend.runtime();
    Device dev = Device.opencl(0);
    List<DeviceBuffer> dev_ = new ArrayList<>();
    try {
      for (NDArray h : host) {
        DeviceBuffer d = rt.allocate(dev, h.byteSize());
        dev_.add(d);
        rt.copyFromHost(h.segment(), d);
      }
      ModuleFunction fn = m.function(f.name());
      fn.call(dev_, fn.signature().bind(host.stream().map(NDArray::dtype).toList(),
          shapes.stream().map(Shape::toArray).toList()));
      NDArray out = host.getLast();
      try (NDArray actual = NDArray.allocate(out.dtype(), out.shape())) {
        rt.copyToHost(dev_.getLast(), actual.segment());
        Interpreter.run(f, host);
        float[] want = out.toFloatArray();
        float[] got = actual.toFloatArray();
        for (int i = 0; i < want.length; i++) {
          if (rtol == 0) assertThat(got[i]).as("%s[%d]", f.name(), i).isEqualTo(want[i]);
          else assertThat(got[i]).as("%s[%d]", f.name(), i).isCloseTo(want[i], within((float) (rtol * Math.abs(want[i]) + 1e-6)));
        }
      }
    } finally {
      dev_.forEach(DeviceBuffer::close);
      host.forEach(NDArray::close);
    }
  }
}
