package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Device;
import org.nnvm4j.it.thirdparty.DeviceMemoryBackendProvider;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;

/**
 * Graphs on a backend whose buffers are not host memory ({@code devmem}, a test backend): storage is
 * shared only between entries of one size, so the runtime never needs a host view of part of a block.
 */
class DeviceMemoryTest {
  private static CompiledGraph build(CnnModels.Model m, String target) {
    return Compiler.build(m.graph(), target, Map.of("x", m.input()), Map.of(), DType.F32, m.newParams(7), Compiler.buildConfig(2, Set.of()));
  }

  @Test
  void convNetRunsOnDeviceMemoryWithSameSizeSharing() {
    CnnModels.Model m = CnnModels.convNet();
    try (NDArray x = CnnModels.input(m.input(), 3); CompiledGraph cg = build(m, "devmem")) {
      long[] bytes = CnnMeasurementsTest.activationBytes(cg.deployGraph());
      float[] reference = SmallCnnTest.run(m, "interp", 0, new Device("interp", 0), x);
      try (GraphModule gm = GraphModule.create(cg, DeviceMemoryBackendProvider.DEVICE)) {
        gm.setInput("x", x).run();
        try (NDArray out = gm.getOutput(0)) {
          SmallCnnTest.assertClose(out.toFloatArray(), reference, "devmem");
        }
        assertThatThrownBy(() -> gm.setInputZeroCopy("x", x)).isInstanceOf(CompileException.class)
            .hasMessage("zero-copy input needs host memory; devmem(0) buffers are not; use setInput (node 'x')");
      }
      assertThat(bytes[0]).isLessThanOrEqualTo(bytes[1]);
    }
  }

  @Test
  void aPlanWithPartlyUsedBlocksIsRefusedOnDeviceMemory() {
    CnnModels.Model m = CnnModels.convNet();
    try (CompiledGraph host = build(m, "llvm"); CompiledGraph dev = build(m, "devmem")) {
      assertThatThrownBy(() -> GraphModule.create(host.deployGraphJson(), dev.module(), DeviceMemoryBackendProvider.DEVICE))
          .isInstanceOf(CompileException.class)
          .hasMessageMatching("entry \\d+ shares a larger storage block, but buffers on devmem\\(0\\) have no host view; compile the graph for this backend, which shares same-size"
              + " blocks only");
    }
  }
}
