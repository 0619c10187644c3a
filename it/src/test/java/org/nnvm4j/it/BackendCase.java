package org.nnvm4j.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Device;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** A small graph with its inputs, compiled and run on a backend the way the backend-matrix tests compare them. */
record BackendCase(String name, Symbol graph, Map<String, NDArray> inputs) {
  @Override public String toString() { return name; }

  /** The device of backend {@code kind}; skips the test (with the reason) when the backend cannot run here. */
  static Device deviceOf(String kind) {
    Availability a = BackendRegistry.defaultRegistry().provider(kind).availability();
    assumeTrue(a.canRun(), kind + ": " + a.reason());
    return new Device(BackendRegistry.defaultRegistry().provider(kind).targetKind().deviceType(), 0);
  }

  /** Output 0 of this case compiled for {@code target} at opt level 2 and run on {@code device}. */
  float[] run(String target, Device device) {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    Map<String, DType> dtypes = new LinkedHashMap<>();
    inputs.forEach((k, v) -> {
      shapes.put(k, v.shape());
      dtypes.put(k, v.dtype());
    });
    try (CompiledGraph cg = Compiler.build(Graph.create(graph), target, shapes, dtypes, DType.F32, Map.of(), Compiler.buildConfig(2, Set.of()));
         GraphModule gm = GraphModule.create(cg, device)) {
      inputs.forEach(gm::setInput);
      gm.run();
      try (NDArray out = gm.getOutput(0)) {
        return out.toFloatArray();
      }
    }
  }

  /** Output 0 on the test-only interpreter backend, the reference. */
  float[] reference() { return run("interp", new Device("interp", 0)); }

  /** Every case crossed with every discovered backend but the interpreter: the arguments (kind, case) of a backend-matrix test. */
  static Stream<Arguments> matrix(List<BackendCase> cases) {
    return BackendRegistry.defaultRegistry().entries().stream().filter(e -> !e.kind().equals("interp"))
        .flatMap(e -> cases.stream().map(c -> Arguments.of(e.kind(), c)));
  }

  /** Output 0 on backend {@code kind} (skipped when it cannot run here) against the interpreter's, within SmallCnnTest's tolerance. */
  void assertSameAsInterpreter(String kind) {
    Device device = deviceOf(kind);
    SmallCnnTest.assertClose(run(kind, device), reference(), kind + " " + name);
  }
}
