package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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

/**
 * get_valid_counts feeding non_max_suppression, compiled by every CPU backend that runs here (the GPU backends
 * cannot lower the sequential kernels yet), against the same graph run by
 * the TIR interpreter backend (whose kernels ir-tensor's DetectionTest checks against a plain-Java NMS). Boxes, scores
 * and class ids are exact small values, so outputs must agree exactly.
 */
class DetectionBackendsTest {
  record Case(String name, Symbol graph, NDArray boxes) {
    @Override public String toString() { return name; }
  }

  static NDArray boxes(long seed, int batch, int n) {
    Random r = new Random(seed);
    float[] d = new float[batch * n * 6];
    for (int i = 0; i < batch * n; i++) {
      float x = r.nextInt(10), y = r.nextInt(10);
      float[] row = {r.nextInt(3) - (r.nextInt(9) == 0 ? 1 : 0), r.nextInt(8) / 8f, x, y, x + 1 + r.nextInt(7), y + 1 + r.nextInt(7)};
      System.arraycopy(row, 0, d, i * 6, 6);
    }
    return NDArray.of(d, Shape.of(batch, n, 6));
  }

  static List<Case> cases() {
    List<Case> out = new ArrayList<>();
    String[][] attrs = {{"0.5", "False", "-1", "-1", "False"}, {"0.3", "True", "5", "-1", "True"}, {"0.6", "False", "-1", "3", "True"},
        {"0.0", "False", "2", "1", "False"}};
    int[][] sizes = {{1, 1}, {2, 17}, {3, 40}};
    for (int[] bn : sizes) {
      for (String[] a : attrs) {
        Symbol x = Symbol.variable("x");
        Symbol gvc = Symbol.create("get_valid_counts", Map.of("score_threshold", "0.1"), x);
        Symbol nms = Symbol.create("non_max_suppression", Map.of("iou_threshold", a[0], "force_suppress", a[1], "top_k", a[2],
            "max_output_size", a[3], "invalid_to_bottom", a[4]), gvc.get(1), gvc.get(0));
        out.add(new Case(String.format("%dx%d iou %s force %s top_k %s max %s bottom %s", bn[0], bn[1], a[0], a[1], a[2], a[3], a[4]),
            nms, boxes(7L * bn[1] + bn[0], bn[0], bn[1])));
      }
    }
    return out;
  }

  static Stream<Arguments> matrix() {
    List<Arguments> out = new ArrayList<>();
    for (BackendRegistry.Entry e : BackendRegistry.defaultRegistry().entries()) {
      // The kernels are sequential TIR with no thread binding: GPU backends cannot lower them yet.
      if (e.kind().equals("interp") || BackendRegistry.defaultRegistry().provider(e.kind()).targetKind().keys().contains("gpu")) continue;
      for (Case c : cases()) out.add(Arguments.of(e.kind(), c));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("matrix")
  void sameBoxesAsTheInterpreter(String kind, Case c) {
    Availability a = BackendRegistry.defaultRegistry().provider(kind).availability();
    assumeTrue(a.canRun(), kind + ": " + a.reason());
    Device device = new Device(BackendRegistry.defaultRegistry().provider(kind).targetKind().deviceType(), 0);
    float[] reference = run(c, "interp", new Device("interp", 0));
    assertThat(run(c, kind, device)).as("%s %s", kind, c).containsExactly(reference);
  }

  private static float[] run(Case c, String target, Device device) {
    Map<String, Shape> shapes = new LinkedHashMap<>(Map.of("x", c.boxes().shape()));
    Map<String, DType> dtypes = new LinkedHashMap<>(Map.of("x", DType.F32));
    try (CompiledGraph cg = Compiler.build(Graph.create(c.graph()), target, shapes, dtypes, DType.F32, Map.of(),
        Compiler.buildConfig(2, Set.of()));
         GraphModule gm = GraphModule.create(cg, device)) {
      gm.setInput("x", c.boxes());
      gm.run();
      try (NDArray out = gm.getOutput(0)) {
        return out.toFloatArray();
      }
    }
  }
}
