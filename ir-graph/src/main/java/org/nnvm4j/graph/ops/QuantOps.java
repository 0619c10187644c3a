package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.normalizeAxis;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.topi.Quant;
import org.nnvm4j.tensor.topi.Topi;

/**
 * Linear quantization ops (ONNX QuantizeLinear / DequantizeLinear and the requantization step of
 * QLinearMatMul / QLinearConv): quantize_linear, dequantize_linear, requantize. The scale (or
 * multiplier) and zero point are per tensor (rank 0 or one element) or hold one value per index
 * along {@code axis}; the quantized dtype is the zero point's.
 */
public final class QuantOps {
  private QuantOps() {}

  /** The compute of one of these ops: data, scale, zero point and the normalized axis. */
  private interface Compute { Tensor apply(Tensor data, Tensor scale, Tensor zeroPoint, int axis, String name); }

  public static List<Op> ops() {
    return List.of(
        op("quantize_linear", "saturate(round(data / scale) + zero_point), rounding halves to even; of zero_point's integer dtype.",
            "scale", Quant::quantize, (a, in) -> {
              if (in[0] != null && !in[0].isFloat()) throw CompileException.invalid("quantize_linear: data must be floating point, got %s", in[0]);
              return in[2] == null ? null : new DType[] {quantized(in[2], "zero_point")};
            }),
        op("dequantize_linear", "(data - zero_point) * scale, of scale's floating-point dtype.", "scale", Quant::dequantize, (a, in) -> {
          if (in[0] != null) quantized(in[0], "data");
          if (in[0] != null && in[2] != null && !in[0].equals(in[2])) {
            throw CompileException.invalid("dequantize_linear: data is %s but zero_point is %s", in[0], in[2]);
          }
          if (in[1] != null && !in[1].isFloat()) throw CompileException.invalid("dequantize_linear: scale must be floating point, got %s", in[1]);
          return in[1] == null ? null : new DType[] {in[1]};
        }),
        op("requantize", "saturate(round(data * multiplier) + zero_point) computed in float64 (data: an integer accumulator);"
            + " of zero_point's integer dtype.", "multiplier", Quant::requantize, (a, in) -> {
              if (in[1] != null && !in[1].isFloat()) throw CompileException.invalid("requantize: multiplier must be floating point, got %s", in[1]);
              return in[2] == null ? null : new DType[] {quantized(in[2], "zero_point")};
            }));
  }

  private static Op op(String name, String doc, String scaleName, Compute compute, Op.InferType type) {
    return Op.builder(name).describe(doc).inputs("data", scaleName, "zero_point")
        .attr("axis", "1", "the axis of a per-axis " + scaleName + " and zero_point", OpAttrs.INT)
        .pattern(OpPattern.BROADCAST).inferType(type)
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          int axis = axis(a, in[0].rank(), perAxis(in[1]) || perAxis(in[2]));
          checkParam(name, scaleName, in[1], in[0], axis);
          checkParam(name, "zero_point", in[2], in[0], axis);
          return new Shape[] {in[0]};
        })
        .compute((a, in) -> {
          int axis = axis(a, in.get(0).ndim(), perAxis(Shape.of(Topi.constShape(in.get(1), name)))
              || perAxis(Shape.of(Topi.constShape(in.get(2), name))));
          return List.of(compute.apply(in.get(0), in.get(1), in.get(2), axis, name));
        }).build();
  }

  /** The normalized axis attribute; per-tensor parameters ignore it (as ONNX does), so any value is accepted then. */
  private static int axis(Map<String, String> a, int rank, boolean perAxis) {
    return perAxis ? normalizeAxis(intAttr(a, "axis"), rank) : 0;
  }

  /** Whether a scale or zero point of shape {@code p} holds one value per index along the axis. */
  private static boolean perAxis(Shape p) { return p != null && p.rank() == 1 && p.dim(0) != 1; }

  /** A scale or zero point: rank 0, one element, or [data.dim(axis)]. */
  private static void checkParam(String op, String what, Shape p, Shape data, int axis) {
    if (p == null || p.rank() == 0 || p.rank() == 1 && p.dim(0) == 1) return;
    if (p.rank() != 1 || data.rank() == 0 || p.dim(0) != data.dim(axis)) {
      throw CompileException.invalid("%s: %s has shape %s; expected a scalar or [%s] (one value per index along axis %d of data %s)", op,
          what, p, data.rank() == 0 ? "1" : Long.toString(data.dim(axis)), axis, data);
    }
  }

  private static DType quantized(DType t, String what) {
    if (!t.isIntegral() || t.isBool() || t.bits() > 32) {
      throw CompileException.invalid("%s must be an integer type of 8, 16 or 32 bits, got %s", what, t);
    }
    return t;
  }
}
