package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Device;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * The indexing, selection and matrix ops compiled for every backend that runs here, at opt levels 0 and
 * 2, against the interpreter backend: multi-head attention on batch_matmul, batch_matmul with broadcast
 * batch dimensions and transposes (the llvm backend's blocked strategy), topk values and indices as
 * two outputs, scatter_nd with duplicate indices, gather_nd of a one_hot, einsum, det.
 */
class IndexOpsBackendTest {
  private record Case(Graph graph, Map<String, NDArray> inputs) {}

  private static NDArray random(long seed, long... shape) {
    Random r = new Random(seed);
    float[] v = new float[(int) Shape.of(shape).numElements()];
    for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
    return NDArray.of(v, Shape.of(shape));
  }

  private static NDArray longs(long[] v, long... shape) {
    NDArray a = NDArray.allocate(DType.I64, Shape.of(shape));
    for (int i = 0; i < v.length; i++) a.setDouble(i, v[i]);
    return a;
  }

  private static Symbol op(String op, Map<String, String> attrs, Symbol... in) { return Symbol.create(op, attrs, in); }

  /** Self-attention over x [S=6, D=8] with 2 heads of 4: per-head scores by batch_matmul, softmax, weighted values. */
  private static Case attention() {
    Symbol x = Symbol.variable("x");
    Symbol heads = op("transpose", Map.of("axes", "(1, 0, 2)"), op("reshape", Map.of("shape", "(6, 2, 4)"), x));
    Symbol scores = op("__mul_scalar__", Map.of("scalar", "0.5"), op("batch_matmul", Map.of("transpose_b", "True"), heads, heads));
    Symbol p = op("softmax", Map.of("axis", "-1"), scores);
    Symbol out = op("reshape", Map.of("shape", "(6, 8)"), op("transpose", Map.of("axes", "(1, 0, 2)"), op("batch_matmul", Map.of(), p, heads)));
    return new Case(Graph.create(out), Map.of("x", random(1, 6, 8)));
  }

  /** Broadcast batch dimensions, full 16-column blocks (the x86 strategy's unclamped path) and a transposed left operand. */
  private static Case batchMatmul() {
    Symbol a = Symbol.variable("a"), b = Symbol.variable("b"), at = Symbol.variable("at");
    Symbol plain = op("relu", Map.of(), op("batch_matmul", Map.of(), a, b));
    Symbol trans = op("batch_matmul", Map.of("transpose_a", "True"), at, b);
    Map<String, NDArray> in = new LinkedHashMap<>();
    in.put("a", random(10, 2, 1, 7, 5));
    in.put("b", random(11, 3, 5, 32));
    in.put("at", random(12, 3, 5, 13));
    return new Case(Graph.create(Symbol.group(plain, trans)), in);
  }

  private static Case topk() {
    Symbol x = Symbol.variable("x");
    Symbol v = op("topk", Map.of("k", "3", "axis", "1"), x);
    Symbol i = op("cast", Map.of("dtype", "float32"), op("topk", Map.of("k", "3", "axis", "1", "ret_type", "indices", "is_ascend", "True"), x));
    Symbol longAxis = Symbol.variable("long");
    Symbol sel = op("topk", Map.of("k", "3", "axis", "1"), longAxis); // rounds of selection: k small against the extent
    Symbol selIdx = op("cast", Map.of("dtype", "float32"), op("topk", Map.of("k", "3", "axis", "1", "ret_type", "indices"), longAxis));
    return new Case(Graph.create(Symbol.group(v, i, sel, selIdx)), Map.of("x", random(2, 4, 7, 3), "long", random(13, 5, 40)));
  }

  private static Case scatter() {
    Symbol d = Symbol.variable("d"), idx = Symbol.variable("idx"), u = Symbol.variable("u");
    Symbol add = op("scatter_nd", Map.of("reduction", "add"), d, idx, u);
    Symbol none = op("scatter_elements", Map.of("axis", "1"), d, Symbol.variable("cols"), Symbol.variable("cu"));
    Map<String, NDArray> in = new LinkedHashMap<>();
    in.put("d", random(3, 5, 3));
    in.put("idx", longs(new long[] {4, 1, -1, 0}, 4, 1));
    in.put("u", random(4, 4, 3));
    in.put("cols", longs(new long[] {2, 0, 1, 1, 0, 2}, 2, 3));
    in.put("cu", random(5, 2, 3));
    return new Case(Graph.create(Symbol.group(add, none)), in);
  }

  private static Case gatherOneHot() {
    Symbol i = Symbol.variable("i"), values = Symbol.variable("values"), x = Symbol.variable("x");
    Symbol hot = op("one_hot", Map.of("depth", "5", "axis", "0"), i, values);
    Symbol g = op("gather_nd", Map.of(), x, Symbol.variable("pairs"));
    Map<String, NDArray> in = new LinkedHashMap<>();
    in.put("i", longs(new long[] {0, 4, -2, 7}, 4));
    in.put("values", NDArray.of(new float[] {0.25f, 3f}, Shape.of(2)));
    in.put("x", random(6, 3, 4, 5));
    in.put("pairs", longs(new long[] {2, 3, -1, 0, 0, 1}, 3, 2));
    return new Case(Graph.create(Symbol.group(hot, g)), in);
  }

  private static Case einsumAndDet() {
    Symbol a = Symbol.variable("a"), b = Symbol.variable("b");
    Symbol e = op("einsum", Map.of("equation", "bij,bjk->bik"), a, b);
    Symbol det = op("det", Map.of(), Symbol.variable("m"));
    Map<String, NDArray> in = new LinkedHashMap<>();
    in.put("a", random(7, 2, 3, 4));
    in.put("b", random(8, 2, 4, 5));
    in.put("m", random(9, 3, 4, 4));
    return new Case(Graph.create(Symbol.group(e, det)), in);
  }

  static Stream<Arguments> matrix() {
    Map<String, Case> cases = new LinkedHashMap<>();
    cases.put("attention", attention());
    cases.put("batchMatmul", batchMatmul());
    cases.put("topk", topk());
    cases.put("scatter", scatter());
    cases.put("gatherOneHot", gatherOneHot());
    cases.put("einsumAndDet", einsumAndDet());
    List<Arguments> out = new ArrayList<>();
    for (BackendRegistry.Entry e : BackendRegistry.defaultRegistry().entries()) {
      if (e.kind().equals("interp")) continue;
      for (Map.Entry<String, Case> c : cases.entrySet()) {
        for (int opt : new int[] {0, 2}) out.add(Arguments.of(e.kind(), c.getKey(), c.getValue(), opt));
      }
    }
    return out.stream();
  }

  private static List<float[]> run(Case c, String target, int optLevel, Device device) {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    Map<String, DType> types = new LinkedHashMap<>();
    c.inputs().forEach((k, v) -> {
      shapes.put(k, v.shape());
      types.put(k, v.dtype());
    });
    try (CompiledGraph cg = Compiler.build(c.graph(), target, shapes, types, DType.F32, Map.of(), Compiler.buildConfig(optLevel, Set.of()));
         GraphModule gm = GraphModule.create(cg, device)) {
      c.inputs().forEach(gm::setInput);
      gm.run();
      List<float[]> outs = new ArrayList<>();
      for (int k = 0; k < c.graph().outputs().size(); k++) {
        try (NDArray o = gm.getOutput(k)) {
          outs.add(o.toFloatArray());
        }
      }
      return outs;
    }
  }

  @ParameterizedTest(name = "{0} x {1} at opt {3}")
  @MethodSource("matrix")
  void sameOutputsAsTheInterpreter(String kind, String name, Case c, int optLevel) {
    Device device = BackendCase.deviceOf(kind);
    List<float[]> want = run(c, "interp", 0, new Device("interp", 0));
    List<float[]> got = run(c, kind, optLevel, device);
    assertThat(got).hasSize(want.size());
    for (int k = 0; k < want.size(); k++) SmallCnnTest.assertClose(got.get(k), want.get(k), kind + " " + name + " output " + k);
  }
}
