package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.backend.Target;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.Var;

/** Both seed programs on the {@code opencl} target, run for real on the OpenCL device (PoCL here). */
@Tag("gpu")
class OpenClSeedProgramsTest {
  @BeforeAll
  static void needsAnOpenClDevice() {
    Availability a = BackendRegistry.defaultRegistry().provider("opencl").availability();
    org.junit.jupiter.api.Assumptions.assumeTrue(a.canRun(), a.reason());
  }

  /** Seed 1 scheduled by the opencl backend (blockIdx.x / threadIdx.x), checked against the TIR interpreter. */
  @ParameterizedTest
  @ValueSource(ints = {1, 17, 1000, 65_539})
  void seed1VectorAddMatchesTheInterpreter(int n) {
    Var len = Te.var("n");
    Tensor a = Te.placeholder(List.of(len), DType.F32, "A");
    Tensor b = Te.placeholder(List.of(len), DType.F32, "B");
    Tensor c = Te.compute(a.shape(), i -> IrOps.add(a.get(i), b.get(i)), "C");
    try (Backend backend = BackendRegistry.defaultRegistry().create(Target.parse("opencl"))) {
      PrimFunc f = Lower.lower(backend.lowering().schedule(new ScheduleRequest(List.of(c), "elemwise", "add", Map.of())),
          List.of(a, b, c), "myadd");
      float[] x = new float[n];
      float[] y = new float[n];
      for (int i = 0; i < n; i++) { x[i] = (float) Math.sin(i); y[i] = i * 0.25f; }
      try (Module m = backend.lowering().codegen(List.of(f), PassContext.defaults());
           NDArray ia = NDArray.of(x, Shape.of(n)); NDArray ib = NDArray.of(y, Shape.of(n));
           NDArray expected = NDArray.allocate(DType.F32, Shape.of(n)); NDArray actual = NDArray.allocate(DType.F32, Shape.of(n))) {
        Interpreter.run(f, List.of(ia, ib, expected));
        Runtime rt = backend.runtime();
        Device dev = Device.opencl(0);
        try (DeviceBuffer da = rt.allocate(dev, 4L * n); DeviceBuffer db = rt.allocate(dev, 4L * n);
             DeviceBuffer dc = rt.allocate(dev, 4L * n)) {
          rt.copyFromHost(MemorySegment.ofArray(x), da);
          rt.copyFromHost(MemorySegment.ofArray(y), db);
          ModuleFunction fn = m.function("myadd");
          fn.call(List.of(da, db, dc), new long[] {n});
          rt.copyToHost(dc, actual.segment());
        }
        float[] want = expected.toFloatArray();
        float[] got = actual.toFloatArray();
        for (int i = 0; i < n; i++) assertThat(got[i]).as("C[%d]", i).isEqualTo(want[i]);
      }
    }
  }

  /** Seed 2: NNVM's {@code elemwise_add} graph through the graph runtime on {@code opencl(0)}. */
  @Test
  void seed2ElemwiseAddGraph() {
    Graph g = Graph.create(Symbol.elemwiseAdd(Symbol.variable("x"), Symbol.variable("y")));
    try (CompiledGraph cg = Compiler.build(g, "opencl", Map.of("x", Shape.of(4)), DType.F32);
         GraphModule m = GraphModule.create(cg.deployGraphJson(), cg.module(), new Device("opencl", 0))) {
      assertThat(cg.module().source("cl")).contains("__kernel void fuse_elemwise_add_kernel0(");
      m.setInput("x", new float[] {1, 2, 3, 4}).setInput("y", new float[] {4, 4, 4, 4}).run();
      try (NDArray z = m.getOutput(0)) {
        assertThat(z.toFloatArray()).containsExactly(5, 6, 7, 8);
      }
    }
  }

  /**
   * Seed 2 in float and integer types: float16 through vload_half/vstore_half (PoCL has no
   * cl_khr_fp16), the others natively.
   */
  @ParameterizedTest
  @ValueSource(strings = {"float16", "float32", "float64", "int8", "uint8", "int32", "int64"})
  void seed2InManyDTypes(String dtype) {
    DType t = DType.parse(dtype);
    Graph g = Graph.create(Symbol.elemwiseAdd(Symbol.variable("x"), Symbol.variable("y")));
    try (CompiledGraph cg = Compiler.build(g, "opencl", Map.of("x", Shape.of(4)), t);
         GraphModule m = GraphModule.create(cg.deployGraphJson(), cg.module(), Device.opencl(0));
         NDArray x = filled(t, 1, 2, 3, 4); NDArray y = filled(t, 4, 4, 4, 5)) {
      m.setInput("x", x).setInput("y", y).run();
      try (NDArray z = m.getOutput(0)) {
        assertThat(z.dtype()).isEqualTo(t);
        double[] got = new double[4];
        for (int i = 0; i < 4; i++) got[i] = z.getDouble(i);
        assertThat(got).containsExactly(5, 6, 7, 9);
      }
    }
  }

  private static NDArray filled(DType t, double... values) {
    NDArray out = NDArray.allocate(t, Shape.of(values.length));
    for (int i = 0; i < values.length; i++) out.setDouble(i, values[i]);
    return out;
  }

  /** Seed 2 compiled, exported as kernels.cl + module.txt, loaded by a fresh backend and run: no compiler involved. */
  @Test
  void seed2RunsFromAnExportedModule(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    Graph g = Graph.create(Symbol.elemwiseAdd(Symbol.variable("x"), Symbol.variable("y")));
    String json;
    try (CompiledGraph cg = Compiler.build(g, "opencl", Map.of("x", Shape.of(4)), DType.F32)) {
      cg.module().export(dir);
      json = cg.deployGraphJson();
    }
    try (Backend backend = BackendRegistry.defaultRegistry().create(Target.parse("opencl"));
         Module loaded = backend.loadModule(dir);
         GraphModule m = GraphModule.create(json, loaded, Device.opencl(0))) {
      m.setInput("x", new float[] {1, 2, 3, 4}).setInput("y", new float[] {4, 4, 4, 4}).run();
      try (NDArray z = m.getOutput(0)) {
        assertThat(z.toFloatArray()).containsExactly(5, 6, 7, 8);
      }
    }
  }

  /**
   * A chain of four ops whose intermediates stay in device buffers between launches: the result
   * equals the llvm backend's within rtol 1e-5 (OpenCL's {@code exp} may differ by a few ulp).
   */
  @Test
  void aChainOfOpsKeepsItsIntermediatesOnTheDevice() {
    Symbol x = Symbol.variable("x");
    Symbol y = Symbol.variable("y");
    Graph g = Graph.create(Symbol.relu(Symbol.elemwiseSub(Symbol.exp(Symbol.elemwiseMul(x, y)), y)));
    Map<String, Shape> shapes = Map.of("x", Shape.of(3, 70), "y", Shape.of(3, 70));
    float[] xs = new float[210];
    float[] ys = new float[210];
    for (int i = 0; i < 210; i++) { xs[i] = (i % 17) * 0.1f - 0.8f; ys[i] = (i % 5) * 0.5f; }
    float[] want = run(g, "llvm", Device.cpu(0), shapes, xs, ys);
    float[] got = run(g, "opencl", Device.opencl(0), shapes, xs, ys);
    for (int i = 0; i < want.length; i++) {
      assertThat(got[i]).as("z[%d]", i).isCloseTo(want[i], within(1e-6f + 1e-5f * Math.abs(want[i])));
    }
  }

  private static float[] run(Graph g, String target, Device dev, Map<String, Shape> shapes, float[] xs, float[] ys) {
    try (CompiledGraph cg = Compiler.build(g, target, shapes, DType.F32);
         GraphModule m = GraphModule.create(cg.deployGraphJson(), cg.module(), dev)) {
      m.setInput("x", xs).setInput("y", ys).run();
      try (NDArray z = m.getOutput(0)) {
        return z.toFloatArray();
      }
    }
  }
}
