package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * conv1d, conv3d and the transposed convs through the graph compiler and runtime on llvm at opt level 2
 * (the x86 strategy of {@code X86ConvNd}: blocked, phase-split for strided transposed convs, bias and relu
 * fused) against the interpreter backend's generic compute; odd sizes, strides 1 to 3, dilation,
 * asymmetric padding, output padding, with and without bias; tolerance of {@link SmallCnnTest}.
 */
class ConvNdX86GraphTest {
  static List<BackendCase> cases() {
    List<BackendCase> out = new ArrayList<>();
    out.add(conv("conv1d", 1, 5, new long[] {37}, 20, "(3)", "(2)", "(1, 2)", "(1)", null, true));
    out.add(conv("conv1d", 2, 16, new long[] {19}, 16, "(5)", "(1)", "(2)", "(2)", null, false));
    out.add(conv("conv3d", 1, 4, new long[] {5, 9, 7}, 18, "(3, 3, 3)", "(1, 2, 1)", "(1, 1, 0, 1, 0, 2)", "(1, 1, 2)", null, true));
    out.add(conv("conv1d_transpose", 1, 6, new long[] {11}, 9, "(4)", "(2)", "(1)", "(1)", "(1)", true));
    out.add(conv("conv2d_transpose", 1, 8, new long[] {7, 6}, 12, "(4, 3)", "(2, 3)", "(1, 0, 2, 1)", "(1, 1)", "(1, 2)", true));
    out.add(conv("conv2d_transpose", 2, 3, new long[] {5, 5}, 5, "(3, 3)", "(2, 2)", "(1, 1)", "(2, 1)", "(0, 1)", false));
    out.add(conv("conv3d_transpose", 1, 5, new long[] {3, 4, 5}, 7, "(3, 2, 3)", "(2, 1, 3)", "(1, 0, 1)", "(1, 1, 1)", "(1, 0, 2)", true));
    return out;
  }

  private static BackendCase conv(String op, long n, long c, long[] size, long oc, String kernel, String strides, String padding,
      String dilation, String outputPadding, boolean bias) {
    Map<String, String> attrs = new LinkedHashMap<>(Map.of("channels", Long.toString(oc), "kernel_size", kernel, "strides", strides,
        "padding", padding, "dilation", dilation, "use_bias", bias ? "True" : "False"));
    if (outputPadding != null) attrs.put("output_padding", outputPadding);
    int[] k = java.util.Arrays.stream(kernel.replaceAll("[() ]", "").split(",")).mapToInt(Integer::parseInt).toArray();
    boolean transposed = op.endsWith("_transpose");
    long[] xs = new long[size.length + 2], ws = new long[size.length + 2];
    xs[0] = n;
    xs[1] = c;
    ws[0] = transposed ? c : oc;
    ws[1] = transposed ? oc : c;
    for (int i = 0; i < size.length; i++) {
      xs[i + 2] = size[i];
      ws[i + 2] = k[i];
    }
    Map<String, NDArray> inputs = new LinkedHashMap<>(Map.of("x", SamplingQuantBackendsTest.uniform(1, DType.F32, -1, 1, xs),
        "w", SamplingQuantBackendsTest.uniform(2, DType.F32, -1, 1, ws)));
    Symbol x = Symbol.variable("x"), w = Symbol.variable("w");
    if (bias) inputs.put("b", SamplingQuantBackendsTest.uniform(3, DType.F32, -1, 1, oc));
    Symbol node = bias ? Symbol.create(op, attrs, x, w, Symbol.variable("b")) : Symbol.create(op, attrs, x, w);
    return new BackendCase(op + " " + attrs, Symbol.relu(node), inputs);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void llvmMatchesTheInterpreter(BackendCase c) {
    float[] got = c.run("llvm", BackendCase.deviceOf("llvm"));
    SmallCnnTest.assertClose(got, c.reference(), c.name());
    int positive = 0;
    for (float v : got) positive += v > 0 ? 1 : 0;
    assertThat(positive).as("relu keeps some outputs positive").isPositive();
  }

  /** The graph compiler picks the x86 compute: its blocked product shows in the generated module. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void llvmUsesTheBlockedStrategy(BackendCase c) {
    BackendCase.deviceOf("llvm");
    Map<String, Shape> shapes = new LinkedHashMap<>();
    Map<String, DType> dtypes = new LinkedHashMap<>();
    c.inputs().forEach((k, v) -> {
      shapes.put(k, v.shape());
      dtypes.put(k, v.dtype());
    });
    try (CompiledGraph cg = Compiler.build(Graph.create(c.graph()), "llvm", shapes, dtypes, DType.F32, Map.of(),
        Compiler.buildConfig(2, Set.of()))) {
      assertThat(cg.module().source("ll")).contains(c.name().substring(0, c.name().indexOf(' ')) + "_kernel_pack");
    }
  }
}
