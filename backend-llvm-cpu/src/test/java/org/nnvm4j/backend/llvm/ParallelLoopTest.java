package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nnvm4j.backend.DeviceBuffer;
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
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;

/** Parallel loops run on libgomp's threads and compute what the interpreter computes. */
class ParallelLoopTest {
  static final int M = 37, N = 29, K = 23;

  static PrimFunc matmul() {
    Tensor a = Te.placeholder(Te.shape(M, K), DType.F32, "A");
    Tensor b = Te.placeholder(Te.shape(K, N), DType.F32, "B");
    IterVar rk = Te.reduceAxis(K, "k");
    Tensor c = Te.compute(Te.shape(M, N), (i, j) -> Te.sum(IrOps.mul(a.get(i, rk.var()), b.get(rk.var(), j)), rk), "C");
    Schedule s = Schedule.create(c.op());
    Stage st = s.get(c);
    IterVar[] io = st.split(st.axis().get(0), 8);
    st.parallel(io[0]);
    return Lower.lower(s, List.of(a, b, c), "pmatmul");
  }

  static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = r.nextFloat() * 2 - 1;
    return v;
  }

  static DeviceBuffer buffer(float[] v) {
    HostBuffer h = new HostBuffer(CpuRuntime.CPU, 4L * v.length);
    h.segment().copyFrom(MemorySegment.ofArray(v));
    return h;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3})
  void parallelMatmulMatchesTheInterpreter(int threads, @TempDir Path dir) {
    PrimFunc f = matmul();
    assertThat(f.toString()).contains("parallel for (i.outer");
    float[] x = random(M * K, 1);
    float[] y = random(K * N, 2);
    float[] expected;
    try (NDArray ia = NDArray.of(x, Shape.of(M, K)); NDArray ib = NDArray.of(y, Shape.of(K, N));
         NDArray ic = NDArray.allocate(DType.F32, Shape.of(M, N))) {
      Interpreter.run(f, List.of(ia, ib, ic));
      expected = ic.toFloatArray();
    }
    LlvmBackend backend = (LlvmBackend) new LlvmBackendProvider().create(
        new LlvmBackendProvider().targetKind().validate(Target.parse("llvm -num-threads=" + threads)));
    try (Module m = backend.codegen(List.of(f), PassContext.defaults())) {
      assertThat(m.source("ll")).contains("GOMP_parallel");
      DeviceBuffer a = buffer(x), b = buffer(y), c = buffer(new float[M * N]);
      m.function("pmatmul").call(List.of(a, b, c), new long[0]);
      assertThat(c.hostSegment().orElseThrow().toArray(ValueLayout.JAVA_FLOAT)).containsExactly(expected);
      if (threads == 2) {
        m.export(dir);
        try (Module loaded = backend.loadModule(dir)) {
          DeviceBuffer c2 = buffer(new float[M * N]);
          loaded.function("pmatmul").call(List.of(a, b, c2), new long[0]);
          assertThat(c2.hostSegment().orElseThrow().toArray(ValueLayout.JAVA_FLOAT)).containsExactly(expected);
        }
      }
    }
  }
}
