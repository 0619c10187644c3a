package org.nnvm4j.it;


import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * grid_sample, roi_align, dft, stft and the quantization ops compiled by every backend that runs here
 * (scheduled, vectorized or bound to GPU threads, at sizes the conformance data does not reach) against
 * the same graphs run by the TIR interpreter backend, |a - d| <= 1e-5 + 1e-4 |d|.
 */
class SamplingQuantBackendsTest {
  /** One graph with its inputs. */
  /** Values drawn uniformly from [lo, hi), floored for integer dtypes. */
  static NDArray uniform(long seed, DType t, double lo, double hi, long... shape) {
    NDArray a = NDArray.allocate(t, Shape.of(shape));
    double[] v = new Random(seed).doubles(a.numElements(), lo, hi).map(d -> t.isFloat() ? d : Math.floor(d)).toArray();
    for (int i = 0; i < v.length; i++) a.setDouble(i, v[i]);
    return a;
  }

  static List<BackendCase> cases() {
    Symbol x = Symbol.variable("x");
    Symbol g = Symbol.variable("g");
    List<BackendCase> out = new ArrayList<>();
    for (String[] mp : new String[][] {{"bilinear", "zeros"}, {"bicubic", "reflection"}, {"nearest", "border"}}) {
      out.add(new BackendCase("grid_sample " + mp[0] + " " + mp[1], Symbol.create("grid_sample", Map.of("mode", mp[0], "padding_mode", mp[1]), x, g),
          Map.of("x", uniform(1, DType.F32, -1, 1, 2, 3, 9, 16), "g", uniform(2, DType.F32, -1.2, 1.2, 2, 8, 16, 2))));
    }
    Symbol rois = Symbol.variable("rois");
    Symbol idx = Symbol.variable("idx");
    out.add(new BackendCase("roi_align adaptive max", Symbol.create("roi_align", Map.of("pooled_size", "(4, 8)", "sampling_ratio", "0",
        "max_grid", "(3, 3)", "mode", "max"), x, rois, idx),
        Map.of("x", uniform(3, DType.F32, -1, 1, 2, 3, 9, 16), "rois", uniform(4, DType.F32, 0, 8, 5, 4), "idx", uniform(5, DType.I64, 0, 1, 5))));
    out.add(new BackendCase("dft complex axis 1", Symbol.create("dft", Map.of("axis", "1"), x), Map.of("x", uniform(6, DType.F32, -1, 1, 3, 16, 8, 2))));
    Symbol w = Symbol.variable("w");
    out.add(new BackendCase("stft", Symbol.create("stft", Map.of("frame_step", "5"), x, w),
        Map.of("x", uniform(7, DType.F32, -1, 1, 2, 64, 1), "w", uniform(8, DType.F32, 0, 1, 16))));
    Symbol s = Symbol.variable("s");
    Symbol z = Symbol.variable("z");
    Symbol q = Symbol.create("quantize_linear", Map.of("axis", "1"), x, s, z);
    out.add(new BackendCase("quantize then dequantize per axis", Symbol.create("dequantize_linear", Map.of("axis", "1"), q, s, z),
        Map.of("x", uniform(9, DType.F32, -100, 100, 4, 24, 16), "s", uniform(10, DType.F32, 0.2, 1, 24), "z", uniform(11, DType.I8, -20, 20, 24))));
    Symbol acc = Symbol.variable("acc");
    out.add(new BackendCase("requantize", Symbol.create("cast", Map.of("dtype", "float32"), Symbol.create("requantize", Map.of("axis", "1"), acc, s, z)),
        Map.of("acc", uniform(12, DType.I32, -20000, 20000, 3, 24, 8), "s", uniform(13, DType.F32, 0.001, 0.01, 24), "z",
            uniform(14, DType.I8, -20, 20, 24))));
    return out;
  }

  static Stream<Arguments> matrix() { return BackendCase.matrix(cases()); }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("matrix")
  void sameOutputsAsTheInterpreter(String kind, BackendCase c) { c.assertSameAsInterpreter(kind); }
}
