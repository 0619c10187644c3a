package org.nnvm4j.it;

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
 * conv2d with layout NHWC and kernel_layout HWIO (odd sizes, strides, padding, dilation, groups, bias) compiled on the
 * llvm and opencl backends at opt levels 0 and 3 (AlterOpLayout must leave it alone) against a plain-Java convolution summed in
 * double, |a - d| <= 1e-5 + 1e-4 |d|.
 */
class Conv2dNhwcTest {
  /** n, h, w, c, channels, kh, kw, stride, pad, dilation, groups, bias. */
  static final int[][] CASES = {
      {1, 5, 7, 3, 4, 3, 3, 1, 1, 1, 1, 1},
      {2, 9, 6, 8, 16, 3, 1, 2, 0, 1, 1, 0},
      {1, 11, 11, 6, 9, 3, 3, 1, 2, 2, 3, 1},
      {1, 8, 8, 4, 4, 3, 3, 2, 1, 1, 4, 1},
      {3, 1, 1, 5, 7, 1, 1, 1, 0, 1, 1, 1}};

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String kind : new String[] {"llvm", "opencl"}) {
      for (int opt : new int[] {0, 3}) for (int[] c : CASES) out.add(Arguments.of(kind, opt, c));
    }
    return out.stream();
  }

  static NDArray random(long seed, long... shape) {
    NDArray a = NDArray.allocate(DType.F32, Shape.of(shape));
    Random r = new Random(seed);
    for (int i = 0; i < a.numElements(); i++) a.setDouble(i, r.nextDouble() * 2 - 1);
    return a;
  }

  @ParameterizedTest(name = "{0} opt {1}: {2}")
  @MethodSource("cases")
  void matchesTheJavaConvolution(String kind, int opt, int[] c) {
    Availability a = BackendRegistry.defaultRegistry().provider(kind).availability();
    assumeTrue(a.canRun(), kind + ": " + a.reason());
    int n = c[0], h = c[1], w = c[2], ci = c[3], co = c[4], kh = c[5], kw = c[6], s = c[7], p = c[8], d = c[9], g = c[10];
    boolean bias = c[11] == 1;
    int oh = (h + 2 * p - d * (kh - 1) - 1) / s + 1, ow = (w + 2 * p - d * (kw - 1) - 1) / s + 1;
    Map<String, NDArray> inputs = new LinkedHashMap<>();
    inputs.put("x", random(1, n, h, w, ci));
    inputs.put("w", random(2, kh, kw, ci / g, co));
    if (bias) inputs.put("b", random(3, co));
    Map<String, String> attrs = Map.of("channels", "" + co, "kernel_size", "(" + kh + ", " + kw + ")", "strides", "(" + s + ", " + s + ")",
        "padding", "(" + p + ", " + p + ")", "dilation", "(" + d + ", " + d + ")", "groups", "" + g, "layout", "NHWC",
        "kernel_layout", "HWIO", "use_bias", bias ? "True" : "False");
    Symbol x = Symbol.variable("x");
    Symbol wt = Symbol.variable("w");
    Symbol conv = bias ? Symbol.create("conv2d", attrs, x, wt, Symbol.variable("b")) : Symbol.create("conv2d", attrs, x, wt);
    Symbol graph = Symbol.relu(conv);
    float[] xd = inputs.get("x").toFloatArray(), wd = inputs.get("w").toFloatArray();
    float[] bd = bias ? inputs.get("b").toFloatArray() : new float[co];
    float[] want = new float[n * oh * ow * co];
    int cpg = ci / g, opg = co / g;
    for (int b = 0; b < n; b++) {
      for (int y = 0; y < oh; y++) {
        for (int xx = 0; xx < ow; xx++) {
          for (int o = 0; o < co; o++) {
            double sum = bd[o];
            for (int ky = 0; ky < kh; ky++) {
              for (int kx = 0; kx < kw; kx++) {
                int iy = y * s + ky * d - p, ix = xx * s + kx * d - p;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                for (int k = 0; k < cpg; k++) {
                  sum += (double) xd[((b * h + iy) * w + ix) * ci + (o / opg) * cpg + k] * wd[((ky * kw + kx) * cpg + k) * co + o];
                }
              }
            }
            want[((b * oh + y) * ow + xx) * co + o] = (float) Math.max(0, sum);
          }
        }
      }
    }
    Map<String, Shape> shapes = new LinkedHashMap<>();
    Map<String, DType> dtypes = new LinkedHashMap<>();
    inputs.forEach((k, v) -> {
      shapes.put(k, v.shape());
      dtypes.put(k, v.dtype());
    });
    try (CompiledGraph cg = Compiler.build(Graph.create(graph), kind, shapes, dtypes, DType.F32, Map.of(), Compiler.buildConfig(opt, Set.of()));
         GraphModule gm = GraphModule.create(cg, new Device(BackendRegistry.defaultRegistry().provider(kind).targetKind().deviceType(), 0))) {
      inputs.forEach(gm::setInput);
      gm.run();
      try (NDArray out = gm.getOutput(0)) {
        org.assertj.core.api.Assertions.assertThat(out.shape()).isEqualTo(Shape.of(n, oh, ow, co));
        SmallCnnTest.assertClose(out.toFloatArray(), want, kind + " opt " + opt + " " + java.util.Arrays.toString(c));
      }
    }
  }
}
