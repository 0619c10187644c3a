package org.nnvm4j.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * The base of the tests that run on the OpenCL device (skipped without one): a backend with work-groups of
 * at most 64 work-items, and the comparison of a function's output on the device with the TIR interpreter's.
 */
@org.junit.jupiter.api.Tag("gpu")
abstract class DeviceCheck {
  static OpenClBackend backend;

  @org.junit.jupiter.api.BeforeAll
  static void open() {
    OpenClBackendProvider p = new OpenClBackendProvider();
    org.nnvm4j.backend.Availability a = p.availability();
    org.junit.jupiter.api.Assumptions.assumeTrue(a.canRun(), a.reason());
    backend = (OpenClBackend) p.create(p.targetKind().validate(org.nnvm4j.backend.Target.parse("opencl -max_num_threads=64")));
  }

  @org.junit.jupiter.api.AfterAll
  static void close() {
    if (backend != null) backend.close();
  }

  /**
   * Runs {@code f} of {@code m} on random float inputs (all but the last shape; the last is the output) on
   * the device, and {@code reference} (the same computation, any schedule) in the interpreter on the same
   * inputs; {@code rtol} 0 means exact. Returns the device output.
   */
  static float[] assertMatches(Runtime rt, PrimFunc f, Module m, PrimFunc reference, List<Shape> shapes, double rtol) {
    return assertMatches(rt, f, m, reference, shapes, rtol, 1e-6, 0);
  }

  /**
   * As above, within {@code rtol * |want| + atol}, with inputs in {@code 1 +- scale} when {@code scale} is not 0
   * (else in {@code [-2, 2)}).
   */
  static float[] assertMatches(Runtime rt, PrimFunc f, Module m, PrimFunc reference, List<Shape> shapes, double rtol,
      double atol, double scale) {
    Random rnd = new Random(7);
    List<NDArray> host = new ArrayList<>();
    for (Shape sh : shapes) {
      float[] v = new float[(int) sh.numElements()];
      for (int i = 0; i < v.length; i++) v[i] = scale == 0 ? rnd.nextFloat() * 4 - 2 : (float) (1 + (rnd.nextFloat() * 2 - 1) * scale);
      host.add(NDArray.of(v, sh));
    }
    Device dev = Device.opencl(0);
    List<DeviceBuffer> onDevice = new ArrayList<>();
    try {
      for (NDArray h : host) {
        DeviceBuffer d = rt.allocate(dev, h.byteSize());
        onDevice.add(d);
        rt.copyFromHost(h.segment(), d);
      }
      ModuleFunction fn = m.function(f.name());
      fn.call(onDevice, fn.signature().bind(host.stream().map(NDArray::dtype).toList(),
          shapes.stream().map(Shape::toArray).toList()));
      NDArray out = host.getLast();
      try (NDArray actual = NDArray.allocate(out.dtype(), out.shape())) {
        rt.copyToHost(onDevice.getLast(), actual.segment());
        Interpreter.run(reference, host);
        float[] want = out.toFloatArray();
        float[] got = actual.toFloatArray();
        for (int i = 0; i < want.length; i++) {
          if (rtol == 0) assertThat(got[i]).as("%s[%d]", f.name(), i).isEqualTo(want[i]);
          else assertThat(got[i]).as("%s[%d]", f.name(), i).isCloseTo(want[i], within((float) (rtol * Math.abs(want[i]) + atol)));
        }
        return got;
      }
    } finally {
      onDevice.forEach(DeviceBuffer::close);
      host.forEach(NDArray::close);
    }
  }
}
