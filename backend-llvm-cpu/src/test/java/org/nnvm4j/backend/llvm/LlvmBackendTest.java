package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.HostBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.DeviceRuntimeException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.Var;

class LlvmBackendTest {
  static LlvmBackend backend;
  static Module module;
  static PrimFunc myadd;

  @BeforeAll
  static void build() {
    backend = (LlvmBackend) new LlvmBackendProvider().create(Target.of("llvm"));
    Var n = Te.var("n");
    Tensor a = Te.placeholder(List.of(n), DType.F32, "A");
    Tensor b = Te.placeholder(List.of(n), DType.F32, "B");
    Tensor c = Te.compute(a.shape(), i -> IrOps.add(a.get(i), b.get(i)), "C");
    myadd = Lower.lower(Schedule.create(c.op()), List.of(a, b, c), "myadd");
    module = backend.codegen(List.of(myadd), PassContext.defaults());
  }

  @AfterAll
  static void close() { module.close(); }

  static DeviceBuffer buffer(float[] v) {
    HostBuffer h = new HostBuffer(CpuRuntime.CPU, 4L * v.length);
    h.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(v));
    return h;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 8, 33, 1000, 4097})
  void myaddMatchesTheInterpreter(int n) {
    float[] x = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) { x[i] = i * 0.5f - 3; y[i] = 100 - i; }
    ModuleFunction f = module.function("myadd");
    DeviceBuffer a = buffer(x), b = buffer(y), c = buffer(new float[n]);
    f.call(List.of(a, b, c), new long[] {n});
    float[] got = c.hostSegment().orElseThrow().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
    try (NDArray ia = NDArray.of(x); NDArray ib = NDArray.of(y); NDArray ic = NDArray.allocate(DType.F32, Shape.of(n))) {
      Interpreter.run(myadd, List.of(ia, ib, ic));
      assertThat(got).containsExactly(ic.toFloatArray());
    }
    for (int i = 0; i < n; i++) assertThat(got[i]).isEqualTo(x[i] + y[i]);
  }

  @Test
  void printsLoweredTirAndLlvmIr() {
    assertThat(myadd.toString()).isEqualTo("""
        primfn myadd(A: Buffer(float32, [n]), B: Buffer(float32, [n]), C: Buffer(float32, [n]), n: int32) {
          for (i, 0, n) {
            C[i] = (A[i] + B[i])
          }
        }
        """);
    assertThat(module.source("ll")).containsPattern("define .*i32 @myadd\\(ptr").contains("x float>");
    assertThat(module.source("asm")).contains("myadd:");
  }

  @Test
  void tooSmallBuffersNeverReachNativeCode() {
    ModuleFunction f = module.function("myadd");
    DeviceBuffer small = buffer(new float[3]);
    assertThatThrownBy(() -> f.call(List.of(small, small, small), new long[] {4}))
        .isInstanceOf(DeviceRuntimeException.class).hasMessageContaining("needs 16");
    small.close();
    assertThatThrownBy(() -> f.call(List.of(small, small, small), new long[] {3}))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> module.function("nope")).isInstanceOf(CompileException.class).hasMessageContaining("myadd");
  }

  @Test
  void exportedSharedLibraryLoadsAndRuns(@TempDir Path dir) {
    module.export(dir);
    try (Module loaded = backend.loadModule(dir)) {
      DeviceBuffer a = buffer(new float[] {1, 2, 3}), b = buffer(new float[] {10, 20, 30}), c = buffer(new float[3]);
      loaded.function("myadd").call(List.of(a, b, c), new long[] {3});
      assertThat(c.hostSegment().orElseThrow().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT)).containsExactly(11, 22, 33);
    }
  }

  @Test
  void aModuleWithoutFunctionsIsValid() {
    // A graph whose outputs are all constants folds to params and compiles no function.
    try (Module empty = backend.codegen(List.of(), PassContext.defaults())) {
      assertThat(empty.functionNames()).isEmpty();
    }
  }
}
