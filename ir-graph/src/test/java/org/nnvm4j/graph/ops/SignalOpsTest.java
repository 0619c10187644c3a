package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;
import static org.nnvm4j.graph.ops.VisionOpsTest.assertClose;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * dft (real and complex input, any signal axis, forward and inverse, one-sided, cut and zero-padded
 * lengths) and stft (with a window, real and complex signals) against a naive DFT in double.
 */
class SignalOpsTest {
  /** The naive DFT of x [outer, s, inner, comps] along s: [outer, bins, inner, 2]. */
  static double[] dft(float[] x, int outer, int s, int inner, int comps, int length, boolean inverse, boolean onesided) {
    int bins = onesided ? length / 2 + 1 : length;
    double[] out = new double[outer * bins * inner * 2];
    double sign = inverse ? 1 : -1;
    for (int o = 0; o < outer; o++) {
      for (int k = 0; k < bins; k++) {
        for (int i = 0; i < inner; i++) {
          double re = 0, im = 0;
          for (int n = 0; n < Math.min(s, length); n++) {
            int at = ((o * s + n) * inner + i) * comps;
            double a = x[at], b = comps == 2 ? x[at + 1] : 0;
            double t = sign * 2 * Math.PI * ((long) k * n % length) / length;
            re += a * Math.cos(t) - b * Math.sin(t);
            im += a * Math.sin(t) + b * Math.cos(t);
          }
          int at = ((o * bins + k) * inner + i) * 2;
          out[at] = inverse ? re / length : re;
          out[at + 1] = inverse ? im / length : im;
        }
      }
    }
    return out;
  }

  static Map<String, String> attrs(int axis, int length, boolean inverse, boolean onesided) {
    return Map.of("axis", Integer.toString(axis), "length", Integer.toString(length), "inverse", inverse ? "True" : "False",
        "onesided", onesided ? "True" : "False");
  }

  @Test
  void dftOverShapesAxesLengthsAndDirections() {
    NDArray real = random(1, 2, 7, 1);
    assertClose(run("dft", attrs(1, 0, false, false), real), Shape.of(2, 7, 2), dft(real.toFloatArray(), 2, 7, 1, 1, 7, false, false));
    assertClose(run("dft", attrs(1, 0, false, true), real), Shape.of(2, 4, 2), dft(real.toFloatArray(), 2, 7, 1, 1, 7, false, true));
    assertClose(run("dft", attrs(1, 9, false, false), real), Shape.of(2, 9, 2), dft(real.toFloatArray(), 2, 7, 1, 1, 9, false, false));
    assertClose(run("dft", attrs(-2, 5, false, true), real), Shape.of(2, 3, 2), dft(real.toFloatArray(), 2, 7, 1, 1, 5, false, true));
    NDArray complex = random(2, 3, 6, 2);
    assertClose(run("dft", attrs(1, 0, true, false), complex), Shape.of(3, 6, 2), dft(complex.toFloatArray(), 3, 6, 1, 2, 6, true, false));
    NDArray mid = random(3, 2, 4, 5, 2);
    assertClose(run("dft", attrs(1, 0, false, false), mid), Shape.of(2, 4, 5, 2), dft(mid.toFloatArray(), 2, 4, 5, 2, 4, false, false));
    assertClose(run("dft", attrs(2, 0, false, false), mid), Shape.of(2, 4, 5, 2), dft(mid.toFloatArray(), 8, 5, 1, 2, 5, false, false));
  }

  @Test
  void inverseUndoesForward() {
    NDArray x = random(4, 1, 11, 2);
    NDArray f = run("dft", attrs(1, 0, false, false), x);
    assertClose(run("dft", attrs(1, 0, true, false), f), Shape.of(1, 11, 2), java.util.stream.IntStream.range(0, 22)
        .mapToDouble(i -> x.toFloatArray()[i]).toArray());
  }

  static double[] stft(float[] x, int batch, int len, int comps, float[] w, int step, boolean onesided) {
    int fl = w.length;
    int frames = (len - fl) / step + 1;
    int bins = onesided ? fl / 2 + 1 : fl;
    double[] out = new double[batch * frames * bins * 2];
    for (int b = 0; b < batch; b++) {
      for (int f = 0; f < frames; f++) {
        float[] frame = new float[fl * comps];
        for (int n = 0; n < fl; n++) {
          for (int c = 0; c < comps; c++) frame[n * comps + c] = x[(b * len + f * step + n) * comps + c] * w[n];
        }
        double[] spec = dft(frame, 1, fl, 1, comps, fl, false, onesided);
        System.arraycopy(spec, 0, out, (b * frames + f) * bins * 2, bins * 2);
      }
    }
    return out;
  }

  @Test
  void stftWithWindowsStepsAndComplexSignals() {
    NDArray sig = random(5, 2, 23, 1);
    NDArray win = random(6, 8);
    assertClose(run("stft", Map.of("frame_step", "3"), sig, win), Shape.of(2, 6, 5, 2),
        stft(sig.toFloatArray(), 2, 23, 1, win.toFloatArray(), 3, true));
    NDArray csig = random(7, 1, 16, 2);
    NDArray cwin = random(8, 5);
    assertClose(run("stft", Map.of("frame_step", "4", "onesided", "False"), csig, cwin), Shape.of(1, 3, 5, 2),
        stft(csig.toFloatArray(), 1, 16, 2, cwin.toFloatArray(), 4, false));
  }

  @Test
  void badAxesAndShapesAreCompileErrors() {
    Symbol x = Symbol.variable("x");
    assertThatThrownBy(() -> InferShape.apply(Graph.create(Symbol.create("dft", "f", Map.of("axis", "2"), x)), Map.of("x", Shape.of(2, 7, 1))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'f'").hasMessageContaining("component dimension");
    assertThatThrownBy(() -> InferShape.apply(Graph.create(Symbol.create("dft", "f", Map.of(), x)), Map.of("x", Shape.of(2, 7, 3))))
        .isInstanceOf(CompileException.class).hasMessageContaining("must be 1 (real) or 2 (complex)");
    assertThatThrownBy(() -> InferShape.apply(Graph.create(Symbol.create("dft", "f", Map.of("inverse", "True", "onesided", "True"), x)),
        Map.of("x", Shape.of(2, 7, 1)))).isInstanceOf(CompileException.class).hasMessageContaining("cannot be one-sided");
    Symbol w = Symbol.variable("w");
    assertThatThrownBy(() -> InferShape.apply(Graph.create(Symbol.create("stft", "s", Map.of("frame_step", "2"), x, w)),
        Map.of("x", Shape.of(1, 4, 1), "w", Shape.of(6)))).isInstanceOf(CompileException.class).hasMessageContaining("node 's'");
  }
}
