package org.nnvm4j.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Device;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;

/** The small CNNs through the graph runtime on OpenCL (PoCL here), against the TIR interpreter; skipped without an OpenCL device. */
class OpenClGraphTest {
  @ParameterizedTest(name = "opt level {0}")
  @ValueSource(ints = {0, 3})
  void convNetOnOpenCl(int optLevel) {
    Availability a = BackendRegistry.defaultRegistry().provider("opencl").availability();
    assumeTrue(a.canRun(), a.reason());
    CnnModels.Model m = CnnModels.convNet();
    try (NDArray x = CnnModels.input(m.input(), 3);
         CompiledGraph cg = Compiler.build(m.graph(), "opencl", Map.of("x", m.input()), Map.of(), DType.F32, m.newParams(7),
             Compiler.buildConfig(optLevel, Set.of()))) {
      float[] reference = SmallCnnTest.run(m, "interp", 0, new Device("interp", 0), x);
      try (GraphModule gm = GraphModule.create(cg, new Device("opencl", 0))) {
        gm.setInput("x", x).run();
        try (NDArray out = gm.getOutput(0)) {
          SmallCnnTest.assertClose(out.toFloatArray(), reference, "opencl at opt " + optLevel);
        }
      }
    }
  }
}
