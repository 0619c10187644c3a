package org.nnvm4j.it;

import static org.nnvm4j.it.SamplingQuantBackendsTest.uniform;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * The figures of the norm ops on llvm (printed, never asserted: speed is for benchmarks): layer_norm over
 * [128, 768] and instance_norm over [1, 64, 56, 56] as one graph op (X86Norms: row reductions parallel and
 * vectorized) against the composition of mean and broadcasts the ONNX importer used before, at 1 and 2
 * threads, the median of 200 runs. What is asserted is that both compute the same values (1e-5 + 1e-4 |d|).
 * Run: {@code mvn -o test -pl it -am -Dtest=NormMeasurementsTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class NormMeasurementsTest {
  private static final Symbol X = Symbol.variable("x");
  private static final Symbol G = Symbol.variable("g");
  private static final Symbol B = Symbol.variable("b");

  /** (x - mean) / sqrt(var + 1e-5) * g + b over {@code axes}, from mean and broadcasts (the former ONNX mapping). */
  private static Symbol composed(String axes, Symbol gamma, Symbol beta) {
    Map<String, String> over = Map.of("axis", axes, "keepdims", "True");
    Symbol mean = Symbol.create("mean", over, X);
    Symbol d = Symbol.create("broadcast_sub", Map.of(), X, mean);
    Symbol var = Symbol.create("mean", over, Symbol.create("elemwise_mul", Map.of(), d, d));
    Symbol inv = Symbol.create("__rdiv_scalar__", Map.of("scalar", "1"), Symbol.create("sqrt", Map.of(),
        Symbol.create("__add_scalar__", Map.of("scalar", "1e-5"), var)));
    Symbol y = Symbol.create("broadcast_mul", Map.of(), Symbol.create("broadcast_mul", Map.of(), d, inv), gamma);
    return Symbol.create("broadcast_add", Map.of(), y, beta);
  }

  /** Median microseconds of {@code runs} runs of {@code graph} on llvm with {@code threads} threads; its output into {@code out}. */
  private static double time(Symbol graph, Map<String, NDArray> inputs, int threads, int runs, float[][] out) {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    inputs.forEach((k, v) -> shapes.put(k, v.shape()));
    try (CompiledGraph cg = Compiler.build(Graph.create(graph), "llvm -num-threads=" + threads, shapes, Map.of(), DType.F32, Map.of(),
        Compiler.buildConfig(2, Set.of())); GraphModule gm = GraphModule.create(cg, BackendCase.deviceOf("llvm"))) {
      inputs.forEach(gm::setInput);
      for (int i = 0; i < 20; i++) gm.run();
      double[] us = new double[runs];
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        gm.run();
        us[i] = (System.nanoTime() - t0) / 1e3;
      }
      try (NDArray o = gm.getOutput(0)) {
        out[0] = o.toFloatArray();
      }
      Arrays.sort(us);
      return us[runs / 2];
    }
  }

  private static void compare(String name, Symbol op, Symbol composition, Map<String, NDArray> inputs) {
    for (int threads : new int[] {1, 2}) {
      float[][] a = new float[1][], b = new float[1][];
      double tOp = time(op, inputs, threads, 200, a);
      double tComposed = time(composition, inputs, threads, 200, b);
      SmallCnnTest.assertClose(a[0], b[0], name);
      System.out.printf("%s threads=%d: graph op %.1f us, composition %.1f us (%.2fx)%n", name, threads, tOp, tComposed, tComposed / tOp);
    }
  }

  @Test
  void layerNorm128x768() {
    Map<String, NDArray> in = Map.of("x", uniform(1, DType.F32, -2, 3, 128, 768), "g", uniform(2, DType.F32, 0.5, 1.5, 768),
        "b", uniform(3, DType.F32, -1, 1, 768));
    compare("layer_norm 128x768", Symbol.create("layer_norm", Map.of(), X, G, B), composed("(1,)", G, B), in);
  }

  @Test
  void instanceNorm64x56x56() {
    Map<String, NDArray> in = Map.of("x", uniform(4, DType.F32, -2, 3, 1, 64, 56, 56), "g", uniform(5, DType.F32, 0.5, 1.5, 64),
        "b", uniform(6, DType.F32, -1, 1, 64));
    Symbol g = Symbol.create("reshape", Map.of("shape", "(64, 1, 1)"), G);
    Symbol b = Symbol.create("reshape", Map.of("shape", "(64, 1, 1)"), B);
    compare("instance_norm 1x64x56x56", Symbol.create("instance_norm", Map.of(), X, G, B), composed("(2, 3)", g, b), in);
  }
}
