package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.graph.pass.InferType;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * quantize_linear, dequantize_linear and requantize against plain Java (Math.rint halves to even,
 * saturation by clamping), per tensor and per axis, over odd shapes; integer results must be exact.
 */
class QuantOpsTest {
  static NDArray array(DType t, Shape s, double... v) {
    NDArray a = NDArray.allocate(t, s);
    for (int i = 0; i < v.length; i++) a.setDouble(i, v[i]);
    return a;
  }

  static NDArray uniform(long seed, DType t, double lo, double hi, long... shape) {
    Random r = new Random(seed);
    NDArray a = NDArray.allocate(t, Shape.of(shape));
    for (long i = 0; i < a.numElements(); i++) {
      double v = lo + r.nextDouble() * (hi - lo);
      a.setDouble(i, t.isFloat() ? v : Math.floor(v));
    }
    return a;
  }

  /** The index along {@code axis} of flat element {@code i} of {@code shape}. */
  static int along(long[] shape, int axis, long i) {
    long inner = 1;
    for (int d = axis + 1; d < shape.length; d++) inner *= shape[d];
    return (int) (i / inner % shape[axis]);
  }

  static double param(NDArray p, long[] shape, int axis, long i) { return p.numElements() == 1 ? p.getDouble(0) : p.getDouble(along(shape, axis, i)); }

  static double saturate(double v, DType t) {
    double lo = t.isInt() ? -Math.pow(2, t.bits() - 1) : 0;
    double hi = t.isInt() ? Math.pow(2, t.bits() - 1) - 1 : Math.pow(2, t.bits()) - 1;
    return Math.min(Math.max(v, lo), hi);
  }

  static void assertExact(NDArray actual, double[] want) {
    for (int i = 0; i < want.length; i++) assertThat(actual.getDouble(i)).as("element %d", i).isEqualTo(want[i]);
  }

  @Test
  void quantizeRoundsHalvesToEvenAndSaturates() {
    NDArray x = NDArray.of(0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 300f, -300f, 126.5f);
    NDArray s = array(DType.F32, Shape.scalar(), 1);
    NDArray z8 = array(DType.I8, Shape.scalar(), 0);
    NDArray q = run("quantize_linear", Map.of(), x, s, z8);
    assertThat(q.dtype()).isEqualTo(DType.I8);
    assertExact(q, new double[] {0, 2, 2, 0, -2, -2, 127, -128, 126});
    NDArray zu = array(DType.U8, Shape.of(1), 3);
    assertExact(run("quantize_linear", Map.of(), x, s, zu), new double[] {3, 5, 5, 3, 1, 1, 255, 0, 129});
  }

  @Test
  void quantizePerTensorAndPerAxisMatchesJava() {
    long[][] shapes = {{7}, {2, 3, 5}, {3, 1, 4}, {4, 3}};
    int[] axes = {0, 1, 2, -1};
    for (int k = 0; k < shapes.length; k++) {
      long[] shape = shapes[k];
      int axis = axes[k] < 0 ? axes[k] + shape.length : axes[k];
      NDArray x = uniform(k, DType.F32, -200, 200, shape);
      for (DType qt : new DType[] {DType.U8, DType.I8, DType.I16}) {
        boolean perAxis = k % 2 == 1;
        long c = perAxis ? shape[axis] : 1;
        NDArray s = uniform(10 + k, DType.F32, 0.3, 2.5, c);
        NDArray z = uniform(20 + k, qt, qt.isInt() ? -20 : 0, 40, c);
        NDArray q = run("quantize_linear", Map.of("axis", Integer.toString(axes[k])), x, s, z);
        double[] want = new double[(int) x.numElements()];
        for (int i = 0; i < want.length; i++) {
          float quotient = (float) x.getDouble(i) / (float) param(s, shape, axis, i);
          want[i] = saturate(Math.rint(quotient) + param(z, shape, axis, i), qt);
        }
        assertThat(q.dtype()).isEqualTo(qt);
        assertExact(q, want);
      }
    }
  }

  @Test
  void dequantizePerAxisMatchesJava() {
    long[] shape = {2, 3, 5};
    for (DType qt : new DType[] {DType.U8, DType.I8, DType.I32}) {
      NDArray x = uniform(1, qt, qt.isInt() ? -128 : 0, 127, shape);
      NDArray s = uniform(2, DType.F32, 0.01, 1, 5);
      NDArray z = uniform(3, qt, 0, 50, 5);
      NDArray y = run("dequantize_linear", Map.of("axis", "2"), x, s, z);
      assertThat(y.dtype()).isEqualTo(DType.F32);
      float[] got = y.toFloatArray();
      for (int i = 0; i < got.length; i++) {
        float want = (float) (x.getDouble(i) - param(z, shape, 2, i)) * (float) param(s, shape, 2, i);
        assertThat(got[i]).as("element %d", i).isEqualTo(want);
      }
    }
  }

  @Test
  void requantizeScalesAnInt32AccumulatorInFloat64() {
    long[] shape = {3, 5};
    NDArray acc = uniform(4, DType.I32, -40000, 40000, shape);
    NDArray m = uniform(5, DType.F32, 0.0005, 0.01, 5);
    NDArray z = array(DType.U8, Shape.scalar(), 128);
    NDArray y = run("requantize", Map.of("axis", "1"), acc, m, z);
    double[] want = new double[15];
    for (int i = 0; i < 15; i++) want[i] = saturate(Math.rint(acc.getDouble(i) * param(m, shape, 1, i)) + 128, DType.U8);
    assertExact(y, want);
  }

  @Test
  void badScalesZeroPointsAndTypesAreCompileErrors() {
    Symbol x = Symbol.variable("x");
    Symbol s = Symbol.variable("s");
    Symbol z = Symbol.variable("z");
    Graph g = Graph.create(Symbol.create("quantize_linear", "q", Map.of("axis", "1"), x, s, z));
    assertThatThrownBy(() -> InferShape.apply(g, Map.of("x", Shape.of(2, 3), "s", Shape.of(4), "z", Shape.scalar())))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'q'").hasMessageContaining("scale has shape [4]");
    assertThatThrownBy(() -> InferShape.apply(g, Map.of("x", Shape.of(2, 3), "s", Shape.scalar(), "z", Shape.of(2, 3))))
        .isInstanceOf(CompileException.class).hasMessageContaining("zero_point has shape [2, 3]");
    assertThatThrownBy(() -> InferType.apply(g, new InferType.Config(Map.of("x", DType.F32, "s", DType.F32, "z", DType.F32), null)))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'q'").hasMessageContaining("zero_point must be an integer type");
    Graph d = Graph.create(Symbol.create("dequantize_linear", "dq", Map.of(), x, s, z));
    assertThatThrownBy(() -> InferType.apply(d, new InferType.Config(Map.of("x", DType.I8, "s", DType.F32, "z", DType.U8), null)))
        .isInstanceOf(CompileException.class).hasMessageContaining("data is int8 but zero_point is uint8");
  }
}
