package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.tensor.DType;

/** The TIR of one fused group: the conv2d reduction keeps its buffer; bias and relu are inlined into the output loop nest. */
class FusedTirTest {
  @Test
  void convBiasReluLowersToAReductionAndOneInlinedOutputNest() throws java.io.IOException {
    CnnModels.Model m = CnnModels.convBiasRelu();
    try (CompiledGraph cg = Compiler.build(m.graph(), "interp", Map.of("x", m.input()), Map.of(), DType.F32, m.newParams(1),
        Compiler.buildConfig(1, Set.of()))) {
      String golden = new String(FusedTirTest.class.getResourceAsStream("/golden/graph/fuse-conv2d-relu.tir").readAllBytes(),
          java.nio.charset.StandardCharsets.UTF_8);
      assertThat(cg.module().source("tir")).isEqualTo("[" + golden + "]");
    }
  }
}
