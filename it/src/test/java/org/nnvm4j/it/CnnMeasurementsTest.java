package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Device;
import org.nnvm4j.graph.deploy.DeployGraph;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;

/**
 * The numbers of the issue report on {@link CnnModels#convNet()}: activation bytes with and without
 * PlanMemory's sharing, read from the deploy graph, and the median latency at opt level 3 over opt
 * level 0 (printed, never asserted: speed is for benchmarks). What is asserted is what must hold.
 */
class CnnMeasurementsTest {
  /** Activation bytes (entries of compiled nodes): {planned blocks, one block per entry}. */
  static long[] activationBytes(DeployGraph g) {
    Map<Integer, Long> blocks = new HashMap<>();
    long naive = 0;
    for (int i = 0; i < g.nodes().size(); i++) {
      if (g.nodes().get(i).isVariable()) continue;
      for (int e = g.nodeRowPtr().get(i); e < g.nodeRowPtr().get(i + 1); e++) {
        long bytes = g.shapes().get(e).numElements() * g.dtypes().get(e).bytes();
        naive += bytes;
        blocks.merge(g.storageIds().get(e), bytes, Math::max);
      }
    }
    return new long[] {blocks.values().stream().mapToLong(Long::longValue).sum(), naive};
  }

  private static CompiledGraph build(CnnModels.Model m, int opt) {
    return Compiler.build(m.graph(), "llvm", Map.of("x", m.input()), Map.of(), DType.F32, m.newParams(3), Compiler.buildConfig(opt, Set.of()));
  }

  static double medianMicros(GraphModule m, int warmup, int runs) {
    for (int i = 0; i < warmup; i++) m.run();
    long[] t = new long[runs];
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      m.run();
      t[i] = System.nanoTime() - t0;
    }
    Arrays.sort(t);
    return t[runs / 2] / 1e3;
  }

  @Test
  void planMemorySharesActivationStorageAndOptLevelThreeIsTimed() {
    CnnModels.Model model = CnnModels.convNet();
    try (CompiledGraph o0 = build(model, 0); CompiledGraph o3 = build(model, 3); NDArray x = CnnModels.input(model.input(), 2);
         GraphModule m0 = GraphModule.create(o0, Device.cpu(0)); GraphModule m3 = GraphModule.create(o3, Device.cpu(0))) {
      long[] b0 = activationBytes(o0.deployGraph());
      long[] b3 = activationBytes(o3.deployGraph());
      assertThat(b0[0]).isLessThan(b0[1]);
      assertThat(b3[0]).isLessThanOrEqualTo(b3[1]);
      m0.setInput("x", x);
      m3.setInput("x", x);
      double t0 = medianMicros(m0, 20, 41);
      double t3 = medianMicros(m3, 20, 41);
      try (NDArray a = m0.getOutput(0); NDArray b = m3.getOutput(0)) {
        SmallCnnTest.assertClose(b.toFloatArray(), a.toFloatArray(), "opt 3 vs opt 0");
      }
      System.out.printf("convNet activation bytes: opt0 planned %d / unplanned %d; opt3 planned %d / unplanned %d%n", b0[0], b0[1], b3[0],
          b3[1]);
      System.out.printf("convNet median latency (41 runs after 20 warm-up): opt0 %.1f us, opt3 %.1f us, ratio opt3/opt0 %.3f%n", t0, t3,
          t3 / t0);
    }
  }
}
