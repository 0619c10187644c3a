package org.nnvm4j.it.onnx;

import org.nnvm4j.tensor.NDArray;

/**
 * Compares an actual output with the expected one: dtype and shape first, then every element with
 * {@code |a - d| <= atol + rtol * |d|} (NaN matches NaN, infinities must be equal).
 */
record OutputComparison(boolean ok, String problem, double maxAbs, double maxRel) {
  static OutputComparison of(String output, NDArray actual, NDArray desired, double rtol, double atol) {
    if (!actual.dtype().equals(desired.dtype())) {
      return new OutputComparison(false, output + ": dtype " + actual.dtype() + ", expected " + desired.dtype(), Double.NaN, Double.NaN);
    }
    if (!actual.shape().equals(desired.shape())) {
      return new OutputComparison(false, output + ": shape " + actual.shape() + ", expected " + desired.shape(), Double.NaN, Double.NaN);
    }
    double maxAbs = 0;
    double maxRel = 0;
    long worst = -1;
    long bad = 0;
    for (long i = 0; i < actual.numElements(); i++) {
      double a = actual.getDouble(i);
      double d = desired.getDouble(i);
      if (Double.isNaN(a) && Double.isNaN(d) || a == d) continue;
      double abs = Math.abs(a - d);
      double rel = d == 0 ? Double.POSITIVE_INFINITY : abs / Math.abs(d);
      if (Double.isNaN(abs)) abs = Double.POSITIVE_INFINITY;
      maxRel = Math.max(maxRel, rel);
      if (!(abs <= atol + rtol * Math.abs(d)) && (bad++ == 0 || abs > maxAbs)) worst = i;
      maxAbs = Math.max(maxAbs, abs);
    }
    if (bad == 0) return new OutputComparison(true, null, maxAbs, maxRel);
    return new OutputComparison(false, output + ": " + bad + " of " + actual.numElements() + " elements differ; worst at flat index "
        + worst + ": " + actual.getDouble(worst) + " vs expected " + desired.getDouble(worst), maxAbs, maxRel);
  }
}
