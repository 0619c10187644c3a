package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
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
import org.nnvm4j.graph.deploy.DeployGraph;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.Var;

/** The two programs nnvm4j was founded on, end to end on the default CPU backend. */
class SeedProgramsTest {
  /**
   * TVM: {@code n = var("n"); A, B = placeholder((n,)); C = compute(A.shape, i -> A[i] + B[i]);
   * s = create_schedule(C.op); f = build(s, [A, B, C], "llvm", name="myadd")}, run for several n.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 15, 16, 17, 1023, 65_539})
  void seed1VectorAddForManyLengths(int n) {
    Var len = Te.var("n");
    Tensor a = Te.placeholder(List.of(len), DType.F32, "A");
    Tensor b = Te.placeholder(List.of(len), DType.F32, "B");
    Tensor c = Te.compute(a.shape(), i -> IrOps.add(a.get(i), b.get(i)), "C");
    Schedule s = Schedule.create(c.op());
    PrimFunc f = Lower.lower(s, List.of(a, b, c), "myadd");
    try (Backend backend = BackendRegistry.defaultRegistry().create(Target.parse("llvm"));
         Module m = backend.lowering().codegen(List.of(f), PassContext.defaults())) {
      Runtime rt = backend.runtime();
      float[] x = new float[n];
      float[] y = new float[n];
      for (int i = 0; i < n; i++) { x[i] = (float) Math.sin(i); y[i] = i * 0.25f; }
      try (DeviceBuffer da = rt.allocate(Device.cpu(0), 4L * n); DeviceBuffer db = rt.allocate(Device.cpu(0), 4L * n);
           DeviceBuffer dc = rt.allocate(Device.cpu(0), 4L * n)) {
        rt.copyFromHost(MemorySegment.ofArray(x), da);
        rt.copyFromHost(MemorySegment.ofArray(y), db);
        ModuleFunction fn = m.function("myadd");
        fn.call(List.of(da, db, dc), new long[] {n});
        float[] z = dc.hostSegment().orElseThrow().toArray(ValueLayout.JAVA_FLOAT);
        for (int i = 0; i < n; i++) assertThat(z[i]).as("C[%d]", i).isEqualTo(x[i] + y[i]);
      }
    }
  }

  /** NNVM: {@code z = elemwise_add(x, y)} compiled with x: [4] and run through the graph runtime. */
  @Test
  void seed2ElemwiseAddGraph() {
    Symbol x = Symbol.variable("x");
    Symbol y = Symbol.variable("y");
    Symbol z = Symbol.elemwiseAdd(x, y);
    Graph g = Graph.create(z);
    assertThat(g.ir()).isEqualTo("""
        Graph(%x, %y) {
          %2 = elemwise_add(%x, %y)
          ret %2
        }""");
    try (CompiledGraph cg = Compiler.build(g, "llvm", Map.of("x", Shape.of(4)), DType.F32);
         GraphModule m = GraphModule.create(cg.deployGraphJson(), cg.module(), Device.cpu(0))) {
      DeployGraph dg = cg.deployGraph();
      assertThat(dg.nodes()).extracting(DeployGraph.DeployNode::op).containsExactly("null", "null", "tvm_op");
      assertThat(dg.nodes().get(2).funcName()).isEqualTo("fuse_elemwise_add");
      assertThat(dg.argNodes()).containsExactly(0, 1);
      assertThat(dg.nodeRowPtr()).containsExactly(0, 1, 2, 3);
      assertThat(dg.shapes()).containsOnly(Shape.of(4));
      assertThat(dg.dtypes()).containsOnly(DType.F32);
      assertThat(cg.params()).isEmpty();
      m.setInput("x", new float[] {1, 2, 3, 4});
      m.setInput("y", new float[] {4, 4, 4, 4});
      m.run();
      try (NDArray out = m.getOutput(0)) {
        assertThat(out.shape()).isEqualTo(Shape.of(4));
        assertThat(out.toFloatArray()).containsExactly(5, 6, 7, 8);
      }
    }
  }

  @Test
  void deployGraphJsonRoundTrips() {
    Graph g = Graph.create(Symbol.relu(Symbol.elemwiseMul(Symbol.variable("a"), Symbol.variable("b"))));
    try (CompiledGraph cg = Compiler.build(g, "llvm", Map.of("a", Shape.of(2, 3)), DType.F32)) {
      String json = cg.deployGraphJson();
      assertThat(DeployGraph.parse(json).toJson()).isEqualTo(json);
      assertThat(json).contains("\"storage_id\"").contains("\"list_shape\"").contains("\"dltype\"");
    }
  }
}
