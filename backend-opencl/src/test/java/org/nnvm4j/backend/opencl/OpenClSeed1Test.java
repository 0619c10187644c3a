package org.nnvm4j.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.DeviceRuntimeException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.tir.PrimFunc;

/** Seed program 1 run for real on the OpenCL device (PoCL), checked element-wise against the TIR interpreter. */
@Tag("gpu")
class OpenClSeed1Test {
  private static Backend backend;
  private static PrimFunc f;
  private static Module module;

  @BeforeAll
  static void compile() {
    OpenClBackendProvider p = new OpenClBackendProvider();
    Availability a = p.availability();
    Assumptions.assumeTrue(a.canRun(), a.reason());
    backend = p.create(p.targetKind().validate(Target.of("opencl")));
    f = Seed1.lower(backend);
    module = backend.lowering().codegen(List.of(f), PassContext.defaults());
  }

  @AfterAll
  static void close() {
    if (module != null) module.close();
    if (backend != null) backend.close();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 17, 1000, 65539})
  void vectorAddMatchesTheInterpreter(int n) {
    assertRunsLikeTheInterpreter(module, n);
  }

  @Test
  void anExportedModuleIsRebuiltFromItsSourceOnLoad(@TempDir Path dir) throws Exception {
    module.export(dir);
    assertThat(Files.readString(dir.resolve(OpenClModule.SOURCE))).isEqualTo(module.source("cl"));
    assertThat(Files.readString(dir.resolve(OpenClModule.MANIFEST))).contains("kernel myadd_kernel0 | $0 255 + 256 fdiv");
    try (Module loaded = backend.loadModule(dir)) {
      assertThat(loaded.functionNames()).containsExactly("myadd");
      assertRunsLikeTheInterpreter(loaded, 1000);
    }
  }

  @Test
  void kernelEventsGiveTheDeviceTime() {
    Runtime rt = backend.runtime();
    Device dev = rt.devices().get(0);
    try (DeviceBuffer a = rt.allocate(dev, 4096); DeviceBuffer b = rt.allocate(dev, 4096); DeviceBuffer c = rt.allocate(dev, 4096)) {
      ModuleFunction fn = module.function("myadd");
      fn.call(List.of(a, b, c), new long[] {1024});
      assertThat(OpenClBackend.lastDeviceMillis(fn)).isGreaterThan(0);
    }
  }

  @Test
  void argumentsAreCheckedBeforeAnyNativeCall() {
    Runtime rt = backend.runtime();
    Device dev = rt.devices().get(0);
    ModuleFunction fn = module.function("myadd");
    DeviceBuffer closed = rt.allocate(dev, 64);
    closed.close();
    closed.close();
    try (DeviceBuffer a = rt.allocate(dev, 64); DeviceBuffer small = rt.allocate(dev, 32)) {
      assertThatThrownBy(() -> fn.call(List.of(a, a, small), new long[] {16})).isInstanceOf(DeviceRuntimeException.class)
          .hasMessageContaining("myadd: buffer C has 32 bytes, needs 64");
      assertThatThrownBy(() -> fn.call(List.of(a, a, closed), new long[] {16})).isInstanceOf(IllegalStateException.class)
          .hasMessage("DeviceBuffer has been closed");
      assertThatThrownBy(() -> rt.copyFromHost(MemorySegment.ofArray(new float[4]), a))
          .isInstanceOf(DeviceRuntimeException.class).hasMessageContaining("copy of 16 bytes into a buffer of 64 bytes");
      assertThatThrownBy(() -> rt.allocate(new Device("opencl", 99), 4)).isInstanceOf(DeviceRuntimeException.class)
          .hasMessageContaining("no OpenCL device opencl(99)");
    }
  }

  @Test
  void aBuildFailureCarriesTheBuildLog() {
    OpenClModule bad = new OpenClModule(backend.target(), "__kernel void k(__global float* a) { a[0] = undefined_name; }",
        List.of());
    try (bad) {
      assertThatThrownBy(() -> bad.program(ClDevice.all().get(0))).isInstanceOf(CompileException.class)
          .hasMessageContaining("OpenCL build of the generated kernels failed").hasMessageContaining("undefined_name");
    }
  }

  private static void assertRunsLikeTheInterpreter(Module m, int n) {
    float[] x = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = i * 0.5f - 7;
      y[i] = (i % 13) * 1.25f;
    }
    NDArray ea = NDArray.of(x, Shape.of(n));
    NDArray eb = NDArray.of(y, Shape.of(n));
    NDArray expected = NDArray.allocate(DType.F32, Shape.of(n));
    Interpreter.run(f, List.of(ea, eb, expected));
    Runtime rt = backend.runtime();
    Device dev = rt.devices().get(0);
    try (DeviceBuffer a = rt.allocate(dev, 4L * n); DeviceBuffer b = rt.allocate(dev, 4L * n);
         DeviceBuffer c = rt.allocate(dev, 4L * n); NDArray actual = NDArray.allocate(DType.F32, Shape.of(n))) {
      rt.copyFromHost(ea.segment(), a);
      rt.copyFromHost(MemorySegment.ofArray(y), b);
      ModuleFunction fn = m.function("myadd");
      fn.call(List.of(a, b, c), fn.signature().bind(List.of(DType.F32, DType.F32, DType.F32),
          List.of(new long[] {n}, new long[] {n}, new long[] {n})));
      rt.copyToHost(c, actual.segment());
      assertThat(actual.toFloatArray()).containsExactly(expected.toFloatArray());
    } finally {
      ea.close();
      eb.close();
      expected.close();
    }
  }
}
