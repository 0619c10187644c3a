package org.nnvm4j.it;

import static org.nnvm4j.it.SamplingQuantBackendsTest.uniform;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;

/**
 * instance_norm, layer_norm, l2_normalize, the Lp pools and global Lp pooling compiled by every backend
 * that runs here (the row reductions scheduled per row, in parallel and vectorized on llvm, as work-group
 * reductions on opencl; short and long rows, odd extents) against the same graphs run by the TIR
 * interpreter backend, |a - d| <= 1e-5 + 1e-4 |d|.
 */
class NormBackendsTest {
  static List<BackendCase> cases() {
    Symbol x = Symbol.variable("x");
    Symbol g = Symbol.variable("g");
    Symbol b = Symbol.variable("b");
    List<BackendCase> out = new ArrayList<>();
    out.add(new BackendCase("layer_norm 128x768", Symbol.create("layer_norm", Map.of(), x, g, b),
        Map.of("x", uniform(1, DType.F32, -2, 3, 128, 768), "g", uniform(2, DType.F32, 0.5, 1.5, 768), "b", uniform(3, DType.F32, -1, 1, 768))));
    out.add(new BackendCase("layer_norm 3x5x7 axis 1 no beta", Symbol.create("layer_norm", Map.of("axis", "1", "center", "False"), x, g),
        Map.of("x", uniform(4, DType.F32, -1, 1, 3, 5, 7), "g", uniform(5, DType.F32, 0.5, 1.5, 5, 7))));
    out.add(new BackendCase("instance_norm 2x5x9x11", Symbol.create("instance_norm", Map.of(), x, g, b),
        Map.of("x", uniform(6, DType.F32, -1, 4, 2, 5, 9, 11), "g", uniform(7, DType.F32, 0.5, 1.5, 5), "b", uniform(8, DType.F32, -1, 1, 5))));
    out.add(new BackendCase("instance_norm 1x3x4 channels last", Symbol.create("instance_norm", Map.of("axis", "-1"), x, g, b),
        Map.of("x", uniform(9, DType.F32, -1, 1, 2, 6, 3), "g", uniform(10, DType.F32, 0.5, 1.5, 3), "b", uniform(11, DType.F32, -1, 1, 3))));
    out.add(new BackendCase("l2_normalize 64x200 last axis", Symbol.create("l2_normalize", Map.of("axis", "(1,)", "eps", "1e-12"), x),
        Map.of("x", uniform(12, DType.F32, -1, 1, 64, 200))));
    out.add(new BackendCase("l2_normalize 4x6x5 axes 0 2", Symbol.create("l2_normalize", Map.of("axis", "(0, 2)", "eps", "0"), x),
        Map.of("x", uniform(13, DType.F32, -1, 1, 4, 6, 5))));
    out.add(new BackendCase("lp_pool2d p3 ceil", Symbol.create("lp_pool2d", Map.of("pool_size", "(3, 2)", "strides", "2", "padding", "(1, 0, 1, 1)",
        "ceil_mode", "True", "p", "3"), x), Map.of("x", uniform(14, DType.F32, -1, 1, 2, 3, 11, 9))));
    out.add(new BackendCase("lp_pool1d p2 dilated", Symbol.create("lp_pool1d", Map.of("pool_size", "3", "dilation", "2", "p", "2"), x),
        Map.of("x", uniform(15, DType.F32, -1, 1, 2, 4, 13))));
    out.add(new BackendCase("lp_pool3d p1", Symbol.create("lp_pool3d", Map.of("pool_size", "2", "strides", "(1, 2, 2)", "p", "1"), x),
        Map.of("x", uniform(16, DType.F32, -1, 1, 1, 2, 4, 6, 5))));
    out.add(new BackendCase("global_lp_pool p2 16x24x24", Symbol.create("global_lp_pool", Map.of(), x), Map.of("x", uniform(17, DType.F32, -1, 1, 2, 16, 24, 24))));
    out.add(new BackendCase("global_lp_pool p3 1-d", Symbol.create("global_lp_pool", Map.of("p", "3"), x), Map.of("x", uniform(18, DType.F32, -1, 1, 3, 2, 7))));
    return out;
  }

  static Stream<Arguments> matrix() { return BackendCase.matrix(cases()); }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("matrix")
  void sameOutputsAsTheInterpreter(String kind, BackendCase c) { c.assertSameAsInterpreter(kind); }
}
