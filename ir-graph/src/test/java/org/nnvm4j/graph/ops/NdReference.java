package org.nnvm4j.graph.ops;

import java.util.Arrays;

/**
 * Plain-Java references for the N-D window ops, written as loops over every position (the transposed
 * convolution and max unpooling as scatters, the opposite direction from the computes they check).
 */
final class NdReference {
  private NdReference() {}

  /** A result: values and shape. */
  record Result(float[] values, long[] shape) {}

  static int size(long[] shape) { return (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b); }

  /** The row-major flat index of {@code idx} in {@code shape}. */
  static int flat(long[] shape, int[] idx) {
    int f = 0;
    for (int i = 0; i < shape.length; i++) f = f * (int) shape[i] + idx[i];
    return f;
  }

  /** The multi-index of flat index {@code f} in {@code shape}. */
  static int[] unflat(long[] shape, int f) {
    int[] idx = new int[shape.length];
    for (int i = shape.length - 1; i >= 0; i--) {
      idx[i] = (int) (f % shape[i]);
      f /= (int) shape[i];
    }
    return idx;
  }

  static boolean inside(long[] shape, int[] idx) {
    for (int i = 2; i < shape.length; i++) if (idx[i] < 0 || idx[i] >= shape[i]) return false;
    return true;
  }

  /** Convolution, weight [O, C/groups, k...]. */
  static Result conv(float[] d, long[] ds, float[] w, long[] ws, int[] s, int[] dil, int[] pb, int[] pe, int groups) {
    int r = ds.length - 2;
    long[] os = new long[ds.length];
    os[0] = ds[0];
    os[1] = ws[0];
    for (int i = 0; i < r; i++) os[i + 2] = (ds[i + 2] + pb[i] + pe[i] - (long) dil[i] * (ws[i + 2] - 1) - 1) / s[i] + 1;
    float[] out = new float[size(os)];
    long[] ks = Arrays.copyOfRange(ws, 1, ws.length);
    int opg = (int) ws[0] / groups;
    for (int f = 0; f < out.length; f++) {
      int[] o = unflat(os, f);
      double acc = 0;
      for (int kf = 0; kf < size(ks); kf++) {
        int[] k = unflat(ks, kf); // [c, k...]
        int[] at = new int[ds.length];
        at[0] = o[0];
        at[1] = o[1] / opg * (int) ws[1] + k[0];
        for (int i = 0; i < r; i++) at[i + 2] = o[i + 2] * s[i] + k[i + 1] * dil[i] - pb[i];
        if (!inside(ds, at)) continue;
        int[] wi = new int[ws.length];
        wi[0] = o[1];
        System.arraycopy(k, 0, wi, 1, k.length);
        acc += d[flat(ds, at)] * w[flat(ws, wi)];
      }
      out[f] = (float) acc;
    }
    return new Result(out, os);
  }

  /** Transposed convolution as a scatter: weight [C, O/groups, k...]; every input times every tap adds to one output. */
  static Result convTranspose(float[] d, long[] ds, float[] w, long[] ws, int[] s, int[] dil, int[] pb, int[] pe, int[] outPad,
      int groups) {
    int r = ds.length - 2;
    long[] os = new long[ds.length];
    os[0] = ds[0];
    os[1] = ws[1] * groups;
    for (int i = 0; i < r; i++) os[i + 2] = (ds[i + 2] - 1) * s[i] + (long) dil[i] * (ws[i + 2] - 1) + 1 - pb[i] - pe[i] + outPad[i];
    double[] acc = new double[size(os)];
    int cpg = (int) ds[1] / groups;
    long[] ks = Arrays.copyOfRange(ws, 1, ws.length);
    for (int f = 0; f < size(ds); f++) {
      int[] in = unflat(ds, f);
      int g = in[1] / cpg;
      for (int kf = 0; kf < size(ks); kf++) {
        int[] k = unflat(ks, kf); // [o within group, k...]
        int[] at = new int[os.length];
        at[0] = in[0];
        at[1] = g * (int) ws[1] + k[0];
        for (int i = 0; i < r; i++) at[i + 2] = in[i + 2] * s[i] - pb[i] + k[i + 1] * dil[i];
        if (!inside(os, at)) continue;
        int[] wi = new int[ws.length];
        wi[0] = in[1];
        System.arraycopy(k, 0, wi, 1, k.length);
        acc[flat(os, at)] += d[f] * w[flat(ws, wi)];
      }
    }
    float[] out = new float[acc.length];
    for (int i = 0; i < out.length; i++) out[i] = (float) acc[i];
    return new Result(out, os);
  }

  /** Pooling output extents (ceil mode drops a last window that starts beyond data and begin padding). */
  static long[] poolShape(long[] ds, int[] k, int[] s, int[] dil, int[] pb, int[] pe, boolean ceil) {
    long[] os = ds.clone();
    for (int i = 0; i < k.length; i++) {
      double span = (double) (ds[i + 2] + pb[i] + pe[i] - ((long) dil[i] * (k[i] - 1) + 1)) / s[i];
      long o = (long) (ceil ? Math.ceil(span) : Math.floor(span)) + 1;
      if (ceil && (o - 1) * s[i] >= ds[i + 2] + pb[i]) o--;
      os[i + 2] = o;
    }
    return os;
  }

  /**
   * Max or average pooling; {@code argmax} gives the flat index (row-major, or the spatial axes
   * last-first with {@code columnMajor}) of the first maximum in window order instead of the value.
   */
  static Result pool(float[] d, long[] ds, int[] k, int[] s, int[] dil, int[] pb, int[] pe, boolean ceil, boolean avg,
      boolean countPad, boolean argmax, boolean columnMajor) {
    int r = k.length;
    long[] os = poolShape(ds, k, s, dil, pb, pe, ceil);
    float[] out = new float[size(os)];
    long[] ks = Arrays.stream(k).asLongStream().toArray();
    for (int f = 0; f < out.length; f++) {
      int[] o = unflat(os, f);
      double sum = 0;
      float max = Float.NEGATIVE_INFINITY;
      long best = -1;
      int count = 0;
      for (int kf = 0; kf < size(ks); kf++) {
        int[] t = unflat(ks, kf);
        int[] at = o.clone();
        boolean inPad = true;
        for (int i = 0; i < r; i++) {
          at[i + 2] = o[i + 2] * s[i] - pb[i] + t[i] * dil[i];
          inPad &= at[i + 2] >= -pb[i] && at[i + 2] < ds[i + 2] + pe[i];
        }
        if (countPad && inPad) count++;
        if (!inside(ds, at)) continue;
        float v = d[flat(ds, at)];
        if (!countPad) count++;
        sum += v;
        if (v > max) {
          max = v;
          best = columnMajor ? columnMajorIndex(ds, at) : flat(ds, at);
        }
      }
      out[f] = argmax ? best : avg ? (float) (sum / count) : max;
    }
    return new Result(out, os);
  }

  private static long columnMajorIndex(long[] ds, int[] at) {
    long f = (long) at[0] * ds[1] + at[1];
    for (int i = ds.length - 1; i >= 2; i--) f = f * ds[i] + at[i];
    return f;
  }

  /** Max unpooling as a scatter: out.flat[indices[i]] = data[i], zero elsewhere, the flat index taken in {@code frame}, placed at the origin of {@code outShape}. */
  static float[] unpool(float[] d, long[] indices, long[] frame, long[] outShape) {
    float[] out = new float[size(outShape)];
    for (int i = 0; i < d.length; i++) out[flat(outShape, unflat(frame, (int) indices[i]))] = d[i];
    return out;
  }
}
