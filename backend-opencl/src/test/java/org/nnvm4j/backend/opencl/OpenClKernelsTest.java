package org.nnvm4j.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
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
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * Programs beyond seed 1 on the OpenCL device, each checked against the TIR interpreter: a
 * two-kernel function with a device temporary, a 2-d injective program with an inlined
 * intermediate, and a reduction.
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

  /** Runs {@code f} on random inputs (all but the last shape) on the device and in the interpreter; {@code rtol} 0 means exact. */
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
