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
  void convBiasReluLowersToAReductionAndOneInlinedOutputNest() {
    CnnModels.Model m = CnnModels.convBiasRelu();
    try (CompiledGraph cg = Compiler.build(m.graph(), "interp", Map.of("x", m.input()), Map.of(), DType.F32, m.newParams(1),
        Compiler.buildConfig(1, Set.of()))) {
      assertThat(cg.module().source("tir")).isEqualTo("[" + """
        primfn fuse_conv2d_relu(x: Buffer(float32, [1, 2, 5, 5]), c_w: Buffer(float32, [3, 2, 3, 3]), c_b: Buffer(float32, [3]), relu: Buffer(float32, [1, 3, 5, 5])) {
          allocate conv2d[float32 * 1 * 3 * 5 * 5], storage_scope = global
          for (i, 0, 1) {
            for (j, 0, 3) {
              for (k, 0, 5) {
                for (l, 0, 5) {
                  conv2d[((((i * 75) + (j * 25)) + (k * 5)) + l)] = 0f
                  for (rc, 0, 2) {
                    for (ry, 0, 3) {
                      for (rx, 0, 3) {
                        conv2d[((((i * 75) + (j * 25)) + (k * 5)) + l)] = (conv2d[((((i * 75) + (j * 25)) + (k * 5)) + l)] + (select((((0 <= ((k + ry) - 1)) && (((k + ry) - 1) < 5)) && ((0 <= ((l + rx) - 1)) && (((l + rx) - 1) < 5))), x[((((i * 50) + (rc * 25)) + (min(max(((k + ry) - 1), 0), 4) * 5)) + min(max(((l + rx) - 1), 0), 4))], 0f) * c_w[((((j * 18) + (rc * 9)) + (ry * 3)) + rx)]))
                      }
                    }
                  }
                }
              }
            }
          }
          for (i_1, 0, 1) {
            for (j_1, 0, 3) {
              for (k_1, 0, 5) {
                for (l_1, 0, 5) {
                  relu[((((i_1 * 75) + (j_1 * 25)) + (k_1 * 5)) + l_1)] = max((conv2d[((((i_1 * 75) + (j_1 * 25)) + (k_1 * 5)) + l_1)] + c_b[j_1]), 0f)
                }
              }
            }
          }
        }
""" + "]");
    }
  }
}
