package org.nnvm4j.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.NDArray;

/**
 * Channels-last conv1d (NWC data, WIO weight) and conv3d (NDHWC, DHWIO) with bias and a fused relu, over
 * odd extents, strides, dilation, groups and padding that differs at the two ends, compiled for llvm and
 * opencl at opt level 2 against the same graph on the interpreter backend (whose compute ir-tensor's
 * ConvNdChannelsLastTest checks against plain Java). |a - d| <= 1e-5 + 1e-4 |d| ({@link SmallCnnTest#assertClose}).
 */
class ConvNdChannelsLastBackendsTest {
  /** spatial extents, channels in, kernel, channels out, strides, dilation, padding (begins then ends), groups. */
  private static BackendCase conv(String name, long[] spatial, long c, int[] k, long o, String strides, String dilation, String padding,
      int groups, long seed) {
    int r = spatial.length;
    long[] ds = new long[r + 2], ws = new long[r + 2];
    ds[0] = 2;
    for (int i = 0; i < r; i++) {
      ds[i + 1] = spatial[i];
      ws[i] = k[i];
    }
    ds[r + 1] = c;
    ws[r] = c / groups;
    ws[r + 1] = o;
    Map<String, String> a = new LinkedHashMap<>();
    a.put("channels", Long.toString(o));
    a.put("kernel_size", org.nnvm4j.graph.ops.OpAttrs.tuple(k));
    a.put("strides", strides);
    a.put("dilation", dilation);
    a.put("padding", padding);
    a.put("groups", Integer.toString(groups));
    a.put("layout", r == 1 ? "NWC" : "NDHWC");
    a.put("kernel_layout", r == 1 ? "WIO" : "DHWIO");
    Symbol conv = Symbol.create("conv" + r + "d", a, Symbol.variable("x"), Symbol.variable("w"), Symbol.variable("b"));
    Map<String, NDArray> in = new LinkedHashMap<>();
    in.put("x", DetectionBackendsTest.uniform(seed, ds));
    in.put("w", DetectionBackendsTest.uniform(seed + 1, ws));
    in.put("b", DetectionBackendsTest.uniform(seed + 2, o));
    return new BackendCase(name, Symbol.relu(conv), in);
  }

  static List<BackendCase> cases() {
    return List.of(
        conv("conv1d NWC s2 d2 pad 2/1", new long[] {11}, 3, new int[] {3}, 4, "(2,)", "(2,)", "(2, 1)", 1, 1),
        conv("conv1d NWC groups 2 pad 0/1", new long[] {7}, 4, new int[] {2}, 6, "(1,)", "(1,)", "(0, 1)", 2, 4),
        conv("conv1d NWC 16 groups 4 width 33", new long[] {33}, 16, new int[] {5}, 24, "(1,)", "(1,)", "(2, 2)", 4, 7),
        conv("conv1d NWC depthwise width 1", new long[] {1}, 5, new int[] {1}, 5, "(1,)", "(1,)", "(0, 0)", 5, 10),
        conv("conv3d NDHWC 1x1x1 groups 1", new long[] {5, 4, 3}, 2, new int[] {2, 3, 2}, 3, "(1, 1, 1)", "(1, 1, 1)", "(0, 0, 0)", 1, 13),
        conv("conv3d NDHWC strides dilation groups 2", new long[] {7, 5, 6}, 4, new int[] {3, 2, 3}, 4, "(2, 1, 2)", "(1, 2, 1)",
            "(1, 0, 2, 0, 1, 1)", 2, 16),
        conv("conv3d NDHWC groups 3 odd", new long[] {3, 6, 5}, 6, new int[] {1, 3, 3}, 9, "(1, 2, 1)", "(1, 1, 2)", "(0, 1, 1, 0, 1, 2)", 3,
            19));
  }

  static Stream<Arguments> matrix() {
    List<Arguments> out = new ArrayList<>();
    for (String kind : new String[] {"llvm", "opencl"}) for (BackendCase c : cases()) out.add(Arguments.of(kind, c));
    return out.stream();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("matrix")
  void matchesTheInterpreter(String kind, BackendCase c) { c.assertSameAsInterpreter(kind); }
}
