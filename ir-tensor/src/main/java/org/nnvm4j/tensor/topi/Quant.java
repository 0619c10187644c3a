package org.nnvm4j.tensor.topi;

import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Var;

/**
 * Linear quantization (ONNX QuantizeLinear / DequantizeLinear and the requantization of an integer
 * accumulator): rounding halves to even, saturation to the integer type's range. Scales and zero
 * points are per tensor (rank 0 or one element) or per axis (one value per index along {@code axis}).
 * Tag {@code broadcast}.
 */
public final class Quant {
  private Quant() {}

  /** {@code saturate(round(x / scale) + zero_point)}, of zero_point's dtype. */
  public static Tensor quantize(Tensor x, Tensor scale, Tensor zeroPoint, int axis, String name) {
    checkTarget(zeroPoint.dtype(), name);
    DType f = x.dtype();
    return Te.computeN(x.shape(), idx -> {
      Expr q = IrOps.call(f, "round", IrOps.div(x.get(idx), IrOps.cast(f, param(scale, idx, axis))));
      return saturate(IrOps.add(q, IrOps.cast(f, param(zeroPoint, idx, axis))), zeroPoint.dtype());
    }, name, Broadcast.TAG, Map.of());
  }

  /** {@code (x - zero_point) * scale}, of scale's dtype (the difference is exact: integers of at most 32 bits, in float64 first). */
  public static Tensor dequantize(Tensor x, Tensor scale, Tensor zeroPoint, int axis, String name) {
    DType f = scale.dtype();
    return Te.computeN(x.shape(), idx -> {
      Expr d = IrOps.sub(IrOps.cast(DType.F64, x.get(idx)), IrOps.cast(DType.F64, param(zeroPoint, idx, axis)));
      return IrOps.mul(IrOps.cast(f, d), param(scale, idx, axis));
    }, name, Broadcast.TAG, Map.of());
  }

  /**
   * {@code saturate(round(acc * multiplier) + zero_point)} in float64 (an int32 accumulator times a
   * float32 multiplier is exact there, as NumPy computes it), of zero_point's dtype.
   */
  public static Tensor requantize(Tensor acc, Tensor multiplier, Tensor zeroPoint, int axis, String name) {
    checkTarget(zeroPoint.dtype(), name);
    return Te.computeN(acc.shape(), idx -> {
      Expr v = IrOps.mul(IrOps.cast(DType.F64, acc.get(idx)), IrOps.cast(DType.F64, param(multiplier, idx, axis)));
      return saturate(IrOps.add(IrOps.call(DType.F64, "round", v), IrOps.cast(DType.F64, param(zeroPoint, idx, axis))),
          zeroPoint.dtype());
    }, name, Broadcast.TAG, Map.of());
  }

  /** The value of a per-tensor (rank 0 or one element) or per-axis parameter at output index {@code idx}. */
  private static Expr param(Tensor p, List<Var> idx, int axis) {
    if (p.ndim() == 0) return p.get();
    Long extent = IrOps.asLong(p.shape().get(0));
    if (p.ndim() == 1 && extent != null && extent == 1) return p.get(IrOps.i32(0));
    return p.get(idx.get(axis));
  }

  /** {@code v} (a float) clamped to the range of integer type {@code t} and converted to it. */
  private static Expr saturate(Expr v, DType t) {
    double[] r = range(t);
    Expr c = IrOps.min(IrOps.max(v, IrOps.constant(v.dtype(), r[0])), IrOps.constant(v.dtype(), r[1]));
    return IrOps.cast(t, c);
  }

  /** The smallest and largest value of integer type {@code t}. */
  public static double[] range(DType t) {
    if (t.isInt()) return new double[] {-Math.pow(2, t.bits() - 1), Math.pow(2, t.bits() - 1) - 1};
    return new double[] {0, Math.pow(2, t.bits()) - 1};
  }

  private static void checkTarget(DType t, String name) {
    if (!t.isIntegral() || t.isBool() || t.bits() > 32) {
      throw CompileException.invalid("%s: the quantized type must be an integer of 8, 16 or 32 bits, got %s", name, t);
    }
  }
}
