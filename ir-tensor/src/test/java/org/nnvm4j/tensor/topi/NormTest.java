package org.nnvm4j.tensor.topi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;

/**
 * instance_norm, layer_norm (with its moments) and l2_normalize run by the TIR interpreter against
 * plain-Java double references, over odd extents, every axis split and the eps corner cases. Tolerance
 * |a - d| <= 1e-5 + 1e-5 |d| for float32 (the interpreter rounds each operation to float32), 1e-12 for float64.
 */
class NormTest {
  /** Uniform values in [lo, hi) of {@code dtype} and {@code shape}. */
  static NDArray random(long seed, DType dtype, double lo, double hi, long... shape) {
    NDArray a = NDArray.allocate(dtype, Shape.of(shape));
    Random r = new Random(seed);
    for (int i = 0; i < a.numElements(); i++) a.setDouble(i, lo + (hi - lo) * r.nextDouble());
    return a;
  }

  /** Runs {@code outs} of placeholders {@code ins} bound to {@code arrays} in the interpreter; the outputs' values. */
  static List<double[]> eval(List<Tensor> ins, List<NDArray> arrays, Tensor... outs) {
    List<Tensor> args = new ArrayList<>(ins);
    List<NDArray> bufs = new ArrayList<>(arrays);
    for (Tensor o : outs) {
      args.add(o);
      bufs.add(NDArray.allocate(o.dtype(), Shape.of(Topi.constShape(o, "out"))));
    }
    Interpreter.run(Lower.lower(Schedule.create(Arrays.stream(outs).map(Tensor::op).toList()), args, "norm"), bufs);
    List<double[]> out = new ArrayList<>();
    for (int i = ins.size(); i < bufs.size(); i++) out.add(doubles(bufs.get(i)));
    return out;
  }

  /** The values of {@code a}, any float dtype, as doubles. */
  static double[] doubles(NDArray a) {
    double[] v = new double[(int) a.numElements()];
    for (int i = 0; i < v.length; i++) v[i] = a.getDouble(i);
    return v;
  }

  static void assertClose(double[] actual, double[] want, double tol, String what) {
    assertThat(actual).as(what).hasSize(want.length);
    for (int i = 0; i < want.length; i++) {
      if (Double.isNaN(want[i])) assertThat(actual[i]).as("%s element %d", what, i).isNaN();
      else assertThat(actual[i]).as("%s element %d", what, i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(tol + tol * Math.abs(want[i])));
    }
  }

  static Tensor placeholder(NDArray a, String name) {
    return Te.placeholder(Te.shape(a.shape().toArray()), a.dtype(), name);
  }

  /**
   * The reference: rows are the flat indices over the axes not in {@code reduced}; returns per element the
   * normalized value (x - mean) / sqrt(var + eps), and per row the mean and 1 / sqrt(var + eps).
   */
  static double[][] moments(double[] x, long[] shape, boolean[] reduced, double eps) {
    int n = x.length;
    java.util.Map<Long, double[]> acc = new java.util.TreeMap<>();
    for (int f = 0; f < n; f++) acc.computeIfAbsent(rowOf(f, shape, reduced), k -> new double[3])[0] += x[f];
    long count = Topi.product(shape, 0, shape.length) / acc.size();
    for (int f = 0; f < n; f++) {
      double[] a = acc.get(rowOf(f, shape, reduced));
      double dev = x[f] - a[0] / count;
      a[1] += dev * dev;
    }
    double[] y = new double[n];
    for (int f = 0; f < n; f++) {
      double[] a = acc.get(rowOf(f, shape, reduced));
      y[f] = (x[f] - a[0] / count) / Math.sqrt(a[1] / count + eps);
    }
    double[] mean = acc.values().stream().mapToDouble(a -> a[0] / count).toArray();
    double[] inv = acc.values().stream().mapToDouble(a -> 1 / Math.sqrt(a[1] / count + eps)).toArray();
    return new double[][] {y, mean, inv};
  }

  /** The row-major flat index of element {@code f} over the axes not in {@code reduced}. */
  static long rowOf(long f, long[] shape, boolean[] reduced) {
    long row = 0, rowStride = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      long i = f % shape[d];
      f /= shape[d];
      if (!reduced[d]) {
        row += i * rowStride;
        rowStride *= shape[d];
      }
    }
    return row;
  }

  @Test
  void layerNormOverEveryAxisSplitWithItsMoments() {
    long[][] shapes = {{3, 5}, {2, 3, 7}, {1, 1}, {4, 1, 9}, {2, 3, 2, 5}};
    int seed = 0;
    for (long[] shape : shapes) {
      for (int axis = 0; axis < shape.length; axis++) {
        for (boolean withBeta : new boolean[] {true, false}) {
          for (DType t : new DType[] {DType.F32, DType.F64}) {
            seed++;
            long[] norm = Arrays.copyOfRange(shape, axis, shape.length);
            NDArray x = random(seed, t, -3, 5, shape), g = random(seed + 100, t, 0.5, 2, norm), b = random(seed + 200, t, -1, 1, norm);
            Tensor tx = placeholder(x, "x"), tg = placeholder(g, "g"), tb = placeholder(b, "b");
            double eps = axis == 0 ? 1e-3 : 1e-5;
            Norm.Moments m = Norm.layerNorm(tx, tg, withBeta ? tb : null, axis, eps, "ln");
            List<double[]> got = eval(List.of(tx, tg, tb), List.of(x, g, b), m.out(), m.mean(), m.invStdDev());
            boolean[] reduced = new boolean[shape.length];
            Arrays.fill(reduced, axis, shape.length, true);
            double[][] ref = moments(doubles(x), shape, reduced, eps);
            double[] gv = doubles(g), bv = doubles(b);
            double[] want = new double[ref[0].length];
            for (int f = 0; f < want.length; f++) want[f] = ref[0][f] * gv[f % gv.length] + (withBeta ? bv[f % bv.length] : 0);
            double tol = t == DType.F32 ? 1e-5 : 1e-12;
            String what = Arrays.toString(shape) + " axis " + axis + " beta " + withBeta + " " + t;
            assertClose(got.get(0), want, tol, what);
            assertClose(got.get(1), ref[1], tol, what + " mean");
            assertClose(got.get(2), ref[2], tol, what + " inv std dev");
            assertThat(Topi.constShape(m.mean(), "ln")).as(what).hasSize(shape.length);
          }
        }
      }
    }
  }

  @Test
  void layerNormOfAConstantRowIsBeta() {
    NDArray x = NDArray.of(new float[] {2, 2, 2, 2, -1, 3, -1, 3}, Shape.of(2, 4));
    NDArray g = NDArray.of(new float[] {1, 2, 3, 4}, Shape.of(4)), b = NDArray.of(new float[] {0.5f, -0.5f, 1, 0}, Shape.of(4));
    Tensor tx = placeholder(x, "x"), tg = placeholder(g, "g"), tb = placeholder(b, "b");
    double[] got = eval(List.of(tx, tg, tb), List.of(x, g, b), Norm.layerNorm(tx, tg, tb, 1, 0.0, "ln").out()).get(0);
    // a constant row has variance 0: (x - mean) * 1/sqrt(0 + 0) = 0 * inf is NaN without eps, as ONNX; the second row is +-1
    assertClose(Arrays.copyOfRange(got, 0, 4), new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN}, 0, "constant row");
    assertClose(Arrays.copyOfRange(got, 4, 8), new double[] {-1 + 0.5, 2 - 0.5, -3 + 1, 4}, 1e-6, "second row");
    double[] withEps = eval(List.of(tx, tg, tb), List.of(x, g, b), Norm.layerNorm(tx, tg, tb, 1, 1e-5, "ln").out()).get(0);
    assertClose(Arrays.copyOfRange(withEps, 0, 4), new double[] {0.5, -0.5, 1, 0}, 1e-6, "constant row with eps");
  }

  @Test
  void instanceNormPerSampleAndChannel() {
    Object[][] cases = {{new long[] {2, 3, 5}, 1}, {new long[] {1, 4, 3, 3}, 1}, {new long[] {2, 3, 1, 1}, 1}, {new long[] {2, 5, 3}, 2},
        {new long[] {1, 2, 3, 4, 5}, 1}, {new long[] {3, 4, 7, 2}, 3}};
    int seed = 50;
    for (Object[] c : cases) {
      long[] shape = (long[]) c[0];
      int axis = (int) c[1];
      for (DType t : new DType[] {DType.F32, DType.F64}) {
        seed++;
        NDArray x = random(seed, t, -2, 2, shape), g = random(seed + 1, t, -1, 1, shape[axis]), b = random(seed + 2, t, -1, 1, shape[axis]);
        Tensor tx = placeholder(x, "x"), tg = placeholder(g, "g"), tb = placeholder(b, "b");
        double[] got = eval(List.of(tx, tg, tb), List.of(x, g, b), Norm.instanceNorm(tx, tg, tb, axis, 1e-5, "in")).get(0);
        boolean[] reduced = new boolean[shape.length];
        for (int d = 1; d < shape.length; d++) reduced[d] = d != axis;
        double[] y = moments(doubles(x), shape, reduced, 1e-5)[0];
        double[] gv = doubles(g), bv = doubles(b);
        double[] want = new double[y.length];
        for (int f = 0; f < y.length; f++) {
          int ch = (int) (f / Topi.product(shape, axis + 1, shape.length) % shape[axis]);
          want[f] = y[f] * gv[ch] + bv[ch];
        }
        assertClose(got, want, t == DType.F32 ? 2e-5 : 1e-12, Arrays.toString(shape) + " axis " + axis + " " + t);
      }
    }
  }

  @Test
  void l2NormalizeOverAxisSetsWithEps() {
    Object[][] cases = {{new long[] {3, 7}, new int[] {1}}, {new long[] {2, 3, 4}, new int[] {0, 2}}, {new long[] {5, 1, 3}, new int[] {1}},
        {new long[] {2, 3, 5}, new int[] {0, 1, 2}}, {new long[] {4, 9}, new int[] {0}}};
    int seed = 80;
    for (Object[] c : cases) {
      long[] shape = (long[]) c[0];
      int[] axes = (int[]) c[1];
      for (double eps : new double[] {0, 1e-10, 4.0}) {
        seed++;
        NDArray x = random(seed, DType.F32, -1, 1, shape);
        Tensor tx = placeholder(x, "x");
        double[] got = eval(List.of(tx), List.of(x), Norm.l2Normalize(tx, eps, axes, "l2")).get(0);
        boolean[] reduced = new boolean[shape.length];
        for (int a : axes) reduced[a] = true;
        double[] xv = doubles(x);
        java.util.Map<Long, Double> sq = new java.util.HashMap<>();
        for (int f = 0; f < xv.length; f++) sq.merge(rowOf(f, shape, reduced), xv[f] * xv[f], Double::sum);
        double[] want = new double[xv.length];
        for (int f = 0; f < xv.length; f++) want[f] = xv[f] / Math.sqrt(Math.max(sq.get(rowOf(f, shape, reduced)), eps));
        assertClose(got, want, 1e-5, Arrays.toString(shape) + " axes " + Arrays.toString(axes) + " eps " + eps);
      }
    }
  }

  @Test
  void l2NormalizeOfAZeroRow() {
    NDArray x = NDArray.of(new float[] {0, 0, 0, 3, 0, -4}, Shape.of(2, 3));
    Tensor tx = placeholder(x, "x");
    double[] noEps = eval(List.of(tx), List.of(x), Norm.l2Normalize(tx, 0, new int[] {1}, "l2")).get(0);
    assertClose(Arrays.copyOfRange(noEps, 0, 3), new double[] {Double.NaN, Double.NaN, Double.NaN}, 0, "0 / sqrt(0), as ONNX LpNormalization");
    assertClose(Arrays.copyOfRange(noEps, 3, 6), new double[] {0.6, 0, -0.8}, 1e-6, "3-4-5 row");
    double[] eps = eval(List.of(tx), List.of(x), Norm.l2Normalize(tx, 1e-12, new int[] {1}, "l2")).get(0);
    assertClose(eps, new double[] {0, 0, 0, 0.6, 0, -0.8}, 1e-6, "zero row with eps");
  }

  @Test
  void badInputsAreRefusedWithTheirShapes() {
    Tensor x = Te.placeholder(Te.shape(2, 3, 4), DType.F32, "x");
    Tensor g3 = Te.placeholder(Te.shape(3), DType.F32, "g");
    Tensor g4 = Te.placeholder(Te.shape(4), DType.F32, "g4");
    assertThatThrownBy(() -> Norm.layerNorm(x, g3, null, 2, 1e-5, "ln")).isInstanceOf(CompileException.class)
        .hasMessageContaining("ln: gamma has shape [3]; expected [4]");
    assertThatThrownBy(() -> Norm.instanceNorm(x, g4, g4, 1, 1e-5, "in")).hasMessageContaining("in: gamma has shape [4]; expected [3]");
    assertThatThrownBy(() -> Norm.instanceNorm(x, g3, g3, 0, 1e-5, "in")).hasMessageContaining("with channel axis 0");
    assertThatThrownBy(() -> Norm.l2Normalize(x, 0, new int[] {1, 1}, "l2")).hasMessageContaining("l2: axes [1, 1] must be distinct axes");
    Tensor xi = Te.placeholder(Te.shape(2, 3), DType.I32, "xi");
    assertThatThrownBy(() -> Norm.l2Normalize(xi, 0, new int[] {1}, "l2")).hasMessageContaining("l2: data has dtype int32; expected a float dtype");
  }
}
