package org.nnvm4j.tensor.topi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.tensor.topi.NormTest.assertClose;
import static org.nnvm4j.tensor.topi.NormTest.doubles;
import static org.nnvm4j.tensor.topi.NormTest.eval;
import static org.nnvm4j.tensor.topi.NormTest.placeholder;
import static org.nnvm4j.tensor.topi.NormTest.random;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;

/**
 * Lp pooling (p = 1, 2, 3 and a fractional p) over 1 to 3 spatial axes with strides, unequal padding,
 * dilation and ceil mode, and global Lp pooling, by the TIR interpreter against a plain-Java reference.
 * Tolerance |a - d| <= 1e-5 + 1e-5 |d| (float32), 1e-12 (float64).
 */
class LpPoolTest {
  /** The reference: per output position, (sum over the taps inside the data of |x|^p)^(1/p). */
  static double[] lpPool(double[] x, long[] ds, PoolNd.Params p, double power) {
    long[] os = PoolNd.outShape(ds, p);
    int r = p.spatial();
    double[] out = new double[(int) Topi.product(os, 0, os.length)];
    long[] taps = Arrays.stream(p.window()).asLongStream().toArray();
    for (int f = 0; f < out.length; f++) {
      long[] o = unflat(f, os);
      double sum = 0;
      for (long t = 0; t < Topi.product(taps, 0, r); t++) {
        long[] k = unflat(t, taps);
        long[] at = o.clone();
        boolean inside = true;
        for (int i = 0; i < r; i++) {
          at[i + 2] = o[i + 2] * p.strides()[i] - p.padBegin()[i] + k[i] * p.dilation()[i];
          inside &= at[i + 2] >= 0 && at[i + 2] < ds[i + 2];
        }
        if (inside) sum += Math.pow(Math.abs(x[(int) flat(at, ds)]), power);
      }
      out[f] = Math.pow(sum, 1 / power);
    }
    return out;
  }

  static long[] unflat(long f, long[] shape) {
    long[] idx = new long[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = f % shape[d];
      f /= shape[d];
    }
    return idx;
  }

  static long flat(long[] idx, long[] shape) {
    long f = 0;
    for (int d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
    return f;
  }

  private static void check(long[] ds, int[] k, int[] s, int[] dil, int[] pb, int[] pe, boolean ceil, DType t, long seed) {
    PoolNd.Params p = new PoolNd.Params(k, s, dil, pb, pe, ceil, false);
    for (double power : new double[] {1, 2, 3, 2.5}) {
      NDArray x = random(seed, t, -2, 2, ds);
      Tensor tx = placeholder(x, "x");
      Tensor y = PoolNd.lpPool(tx, p, power, "lp");
      assertThat(Topi.constShape(y, "lp")).isEqualTo(PoolNd.outShape(ds, p));
      double[] got = eval(List.of(tx), List.of(x), y).get(0);
      assertClose(got, lpPool(doubles(x), ds, p, power), t == DType.F32 ? 1e-5 : 1e-12,
          Arrays.toString(ds) + " window " + Arrays.toString(k) + " p " + power + " ceil " + ceil + " " + t);
    }
  }

  @Test
  void lpPool1dStridedDilatedPaddedCeil() {
    check(new long[] {2, 3, 11}, new int[] {3}, new int[] {2}, new int[] {2}, new int[] {2}, new int[] {1}, false, DType.F32, 1);
    check(new long[] {1, 2, 8}, new int[] {2}, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {0}, true, DType.F32, 2);
    check(new long[] {1, 1, 5}, new int[] {5}, new int[] {1}, new int[] {1}, new int[] {0}, new int[] {0}, false, DType.F64, 3);
  }

  @Test
  void lpPool2dAnd3d() {
    check(new long[] {1, 2, 7, 9}, new int[] {3, 2}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 0}, new int[] {1, 1}, true, DType.F32, 4);
    check(new long[] {2, 1, 5, 5}, new int[] {2, 2}, new int[] {1, 1}, new int[] {2, 1}, new int[] {0, 0}, new int[] {0, 0}, false, DType.F32, 5);
    check(new long[] {1, 2, 4, 5, 3}, new int[] {2, 3, 2}, new int[] {2, 1, 1}, new int[] {1, 1, 2}, new int[] {1, 1, 0}, new int[] {0, 1, 1},
        false, DType.F32, 6);
    check(new long[] {1, 1, 3, 3, 3}, new int[] {2, 2, 2}, new int[] {2, 2, 2}, new int[] {1, 1, 1}, new int[] {0, 0, 0}, new int[] {0, 0, 0},
        true, DType.F64, 7);
  }

  @Test
  void globalLpPoolOverEverySpatialAxis() {
    for (long[] ds : new long[][] {{2, 3, 5}, {1, 4, 3, 7}, {2, 2, 2, 3, 3}, {1, 1, 1, 1}}) {
      for (double power : new double[] {1, 2, 3}) {
        NDArray x = random(ds.length * 10L + (long) power, DType.F32, -3, 3, ds);
        Tensor tx = placeholder(x, "x");
        Tensor y = PoolNd.globalLpPool(tx, power, "glp");
        double[] xv = doubles(x);
        long per = Topi.product(ds, 2, ds.length);
        double[] want = new double[(int) (ds[0] * ds[1])];
        for (int i = 0; i < xv.length; i++) want[(int) (i / per)] += Math.pow(Math.abs(xv[i]), power);
        for (int i = 0; i < want.length; i++) want[i] = Math.pow(want[i], 1 / power);
        long[] os = ds.clone();
        Arrays.fill(os, 2, os.length, 1);
        assertThat(Topi.constShape(y, "glp")).isEqualTo(os);
        assertClose(eval(List.of(tx), List.of(x), y).get(0), want, 1e-5, Arrays.toString(ds) + " p " + power);
      }
    }
  }

  @Test
  void badPowersAndRanksAreRefused() {
    Tensor x = Te.placeholder(Te.shape(1, 2, 5), DType.F32, "x");
    PoolNd.Params p = new PoolNd.Params(new int[] {2}, new int[] {1}, new int[] {1}, new int[] {0}, new int[] {0}, false, false);
    assertThatThrownBy(() -> PoolNd.lpPool(x, p, 0, "lp")).hasMessageContaining("lp: p = 0.0; expected a positive finite power");
    assertThatThrownBy(() -> PoolNd.globalLpPool(x, Double.NaN, "glp")).hasMessageContaining("glp: p = NaN");
    assertThatThrownBy(() -> PoolNd.globalLpPool(Te.placeholder(Te.shape(2, 3), DType.F32, "m"), 2, "glp"))
        .hasMessageContaining("glp: data [2, 3] has no spatial axis");
  }
}
