package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * Quantized ONNX ops: QuantizeLinear and DequantizeLinear (per tensor or per axis) map to the graph
 * ops of the same name; DynamicQuantizeLinear computes its scale and zero point with reductions;
 * MatMulInteger and ConvInteger subtract the zero points in int32 and accumulate in int32 (dense /
 * conv2d over int32); QLinearMatMul and QLinearConv requantize that accumulator with the multiplier
 * a_scale * b_scale / y_scale (float32, as ONNX computes it) in float64.
 */
final class QuantConverters {
  private QuantConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("QuantizeLinear", QuantConverters::quantize);
    t.put("DequantizeLinear", QuantConverters::dequantize);
    t.put("DynamicQuantizeLinear", QuantConverters::dynamicQuantize);
    t.put("MatMulInteger", n -> List.of(integerMatmul(n, 0, 2, 1, 3)));
    t.put("QLinearMatMul", n -> {
      Symbol acc = integerMatmul(n, 0, 2, 3, 5);
      Shape out = n.shape(0).rank() >= n.shape(3).rank() ? n.shape(0) : n.shape(3);
      perTensor(n, 1, "a_scale");
      return List.of(requantize(n, acc, 1, 4, 6, 7, out.rank() - 1));
    });
    t.put("ConvInteger", n -> List.of(integerConv(n, 0, 2, 1, 3, -1)));
    t.put("QLinearConv", n -> {
      perTensor(n, 1, "x_scale");
      return List.of(requantize(n, integerConv(n, 0, 2, 3, 5, 8), 1, 4, 6, 7, 1));
    });
  }

  /** QuantizeLinear: y = saturate(round(x / y_scale) + y_zero_point); the zero point defaults to uint8 (or output_dtype) 0. */
  private static List<Symbol> quantize(OnnxNode n) {
    n.onlyAttrs("axis", "saturate", "block_size", "output_dtype");
    if (n.attrInt("block_size", 0) != 0) throw n.unsupported("blocked quantization (block_size != 0) is not supported");
    DType out = DType.U8;
    if (n.hasAttr("output_dtype") && n.attrInt("output_dtype", 0) != 0) {
      out = OnnxDTypes.of((int) n.attrInt("output_dtype", 0));
      if (out == null) throw n.unsupported("output_dtype " + OnnxDTypes.name((int) n.attrInt("output_dtype", 0)) + " is not supported");
    }
    Symbol zp = n.hasInput(2) ? n.input(2) : zeros(n, out);
    return List.of(n.op("quantize_linear", axisAttr(n), n.input(0), n.input(1), zp));
  }

  /** DequantizeLinear: y = (x - x_zero_point) * x_scale; the zero point defaults to 0 of x's dtype. */
  private static List<Symbol> dequantize(OnnxNode n) {
    n.onlyAttrs("axis", "block_size");
    if (n.attrInt("block_size", 0) != 0) throw n.unsupported("blocked quantization (block_size != 0) is not supported");
    DType x = n.dtype(0);
    if (x == null) throw n.unsupported("the dtype of x must be known");
    Symbol zp = n.hasInput(2) ? n.input(2) : zeros(n, x);
    return List.of(n.op("dequantize_linear", axisAttr(n), n.input(0), n.input(1), zp));
  }

  private static Map<String, String> axisAttr(OnnxNode n) { return Map.of("axis", Long.toString(n.attrInt("axis", 1))); }

  /**
   * DynamicQuantizeLinear to uint8: scale = (max(x, 0) - min(x, 0)) / 255, zero point =
   * saturate(round(-min(x, 0) / scale)), y = saturate(round(x / scale) + zero point).
   */
  private static List<Symbol> dynamicQuantize(OnnxNode n) {
    n.onlyAttrs();
    DType t = n.dtype(0);
    if (t == null || !t.equals(DType.F32)) throw n.unsupported("x must be float32, got " + t);
    Symbol x = n.input(0);
    Map<String, String> all = Map.of("axis", "()");
    Symbol lo = n.op("negative", Map.of(), n.op("relu", Map.of(), n.op("negative", Map.of(), n.op("min", all, x))));
    Symbol hi = n.op("relu", Map.of(), n.op("max", all, x));
    Symbol scale = n.op("broadcast_div", Map.of(), n.op("elemwise_sub", Map.of(), hi, lo), CompositeConverters.scalarParam(n, "qrange", 255));
    Symbol zpf = n.op("negative", Map.of(), n.op("broadcast_div", Map.of(), lo, scale));
    Symbol zp = n.op("cast", Map.of("dtype", "uint8"), n.op("clip", Map.of("a_min", "0", "a_max", "255"), n.op("round", Map.of(), zpf)));
    return List.of(n.op("quantize_linear", Map.of("axis", "0"), x, scale, zp), scale, zp);
  }

  /** {@code (A - a_zp) x (B - b_zp)} in int32 for inputs A, a_zp, B, b_zp at the given positions (zero points optional). */
  private static Symbol integerMatmul(OnnxNode n, int a, int aZp, int b, int bZp) {
    Shape as = n.shape(a);
    Shape bs = n.shape(b);
    if (as == null || bs == null || as.rank() < 2 || bs.rank() < 2) {
      throw n.unsupported("A and B must have known shapes of rank >= 2, got " + as + " and " + bs);
    }
    // A per-row zero point [M] applies along A's rows: [M, 1]; B's per-column [N] broadcasts as it is.
    Symbol a32 = minusZeroPoint(n, a, aZp, as.rank() - 2, as);
    Symbol b32 = minusZeroPoint(n, b, bZp, bs.rank() - 1, bs);
    return matmul(n, a32, as, b32, bs);
  }

  /** Input {@code i} cast to int32, minus the zero point at {@code zp} (when given), whose values run along {@code axis}. */
  private static Symbol minusZeroPoint(OnnxNode n, int i, int zp, int axis, Shape s) {
    checkQuantized(n, i);
    Symbol x = n.op("cast", Map.of("dtype", "int32"), n.input(i));
    if (!n.hasInput(zp)) return x;
    Shape zs = n.shape(zp);
    if (zs == null || zs.rank() > 1) throw n.unsupported("zero point input " + zp + " must be a scalar or 1-D, got " + zs);
    // A rank-0 zero point becomes [1] first: GPU backends cannot schedule a rank-0 stage of its own.
    Symbol z = n.op("cast", Map.of("dtype", "int32"), zs.rank() == 0 ? reshape(n, n.input(zp), 1) : n.input(zp));
    if (zs.rank() == 1 && zs.dim(0) != 1) {
      if (zs.dim(0) != s.dim(axis)) throw n.unsupported("zero point input " + zp + " has " + zs.dim(0) + " values for extent " + s.dim(axis));
      long[] shape = new long[s.rank() - axis];
      Arrays.fill(shape, 1);
      shape[0] = zs.dim(0);
      z = n.op("reshape", Map.of("shape", tuple(shape)), z);
    }
    return n.op("broadcast_sub", Map.of(), x, z);
  }

  private static void checkQuantized(OnnxNode n, int i) {
    DType t = n.dtype(i);
    if (t == null || !(t.equals(DType.U8) || t.equals(DType.I8))) throw n.unsupported("input " + i + " must be int8 or uint8, got " + t);
  }

  /**
   * NumPy matmul of [..., M, K] by [..., K, N] (ranks >= 2): dense per batch entry (a 2-D B serves
   * every batch entry of A in one dense over the flattened rows); batch dimensions must be equal.
   */
  static Symbol matmul(OnnxNode n, Symbol a, Shape as, Symbol b, Shape bs) {
    int ra = as.rank();
    int rb = bs.rank();
    long m = as.dim(ra - 2);
    long k = as.dim(ra - 1);
    long units = bs.dim(rb - 1);
    if (bs.dim(rb - 2) != k) throw n.unsupported("A " + as + " and B " + bs + " do not multiply");
    Map<String, String> dense = Map.of("units", Long.toString(units), "use_bias", "False");
    long[] outShape;
    if (rb == 2) {
      long rows = as.numElements() / k;
      Symbol y = n.op("dense", dense, reshape(n, a, rows, k), n.op("transpose", Map.of("axes", tuple(1, 0)), b));
      outShape = Arrays.copyOf(as.toArray(), ra);
      outShape[ra - 1] = units;
      return ra == 2 ? y : reshape(n, y, outShape);
    }
    long[] batchDims = Arrays.copyOfRange(bs.toArray(), 0, rb - 2);
    if (ra != 2 && (ra != rb || !Arrays.equals(Arrays.copyOfRange(as.toArray(), 0, ra - 2), batchDims))) {
      throw n.unsupported("batch dimensions of A " + as + " and B " + bs + " must be equal (or A 2-D)");
    }
    long batches = Shape.of(batchDims).numElements();
    if (batches > 256) throw n.unsupported(batches + " batch entries are too many to unroll (at most 256)");
    Symbol a3 = reshape(n, a, ra == 2 ? 1 : batches, m, k);
    Symbol b3 = reshape(n, b, batches, k, units);
    List<Symbol> parts = new ArrayList<>();
    for (long i = 0; i < batches; i++) {
      Symbol ai = reshape(n, ra == 2 ? a3 : entry(n, a3, i), m, k);
      Symbol bi = n.op("transpose", Map.of("axes", tuple(1, 0)), reshape(n, entry(n, b3, i), k, units));
      parts.add(reshape(n, n.op("dense", dense, ai, bi), 1, m, units));
    }
    Symbol y = parts.size() == 1 ? parts.get(0) : n.op("concatenate", Map.of("axis", "0"), parts.toArray(Symbol[]::new));
    outShape = Arrays.copyOf(batchDims, rb);
    outShape[rb - 2] = m;
    outShape[rb - 1] = units;
    return reshape(n, y, outShape);
  }

  private static Symbol entry(OnnxNode n, Symbol s, long i) {
    return n.op("strided_slice", Map.of("begin", tuple(i), "end", tuple(i + 1)), s);
  }

  private static Symbol reshape(OnnxNode n, Symbol s, long... shape) { return n.op("reshape", Map.of("shape", tuple(shape)), s); }

  /**
   * {@code (x - x_zp) conv (w - w_zp)} in int32 (x_zp per tensor; w_zp per tensor or per output
   * channel), plus the int32 bias at {@code bias} when given (negative: none).
   */
  private static Symbol integerConv(OnnxNode n, int x, int xZp, int w, int wZp, int bias) {
    n.onlyAttrs("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad");
    Shape xs = n.shape(x);
    Shape ws = n.shape(w);
    if (xs == null || ws == null) throw n.unsupported("x and w must have known shapes, got " + xs + " and " + ws);
    if (n.hasInput(xZp)) perTensor(n, xZp, "x_zero_point");
    Symbol x32 = minusZeroPoint(n, x, xZp, 1, xs);
    Symbol w32 = minusZeroPoint(n, w, wZp, 0, ws);
    Symbol b = null;
    if (bias >= 0 && n.hasInput(bias)) {
      if (!DType.I32.equals(n.dtype(bias))) throw n.unsupported("the bias must be int32, got " + n.dtype(bias));
      b = n.input(bias);
    }
    return ConvConverters.conv(n, x32, xs, w32, ws, b);
  }

  /** saturate(round(acc * x_scale * w_scale / y_scale) + y_zp): the multiplier in float32, per axis {@code axis} where w_scale is. */
  private static Symbol requantize(OnnxNode n, Symbol acc, int aScale, int bScale, int yScale, int yZp, int axis) {
    perTensor(n, yScale, "y_scale");
    if (!n.hasInput(yZp)) throw n.unsupported("y_zero_point is required");
    perTensor(n, yZp, "y_zero_point");
    Symbol mult = n.op("broadcast_div", Map.of(), n.op("broadcast_mul", Map.of(), n.input(aScale), n.input(bScale)), n.input(yScale));
    return n.op("requantize", Map.of("axis", Integer.toString(axis)), acc, mult, n.input(yZp));
  }

  /** Input {@code i} must hold one value (rank 0 or one element). */
  private static void perTensor(OnnxNode n, int i, String what) {
    Shape s = n.shape(i);
    if (s == null || s.numElements() != 1 || s.rank() > 1) throw n.unsupported(what + " must be a scalar, got " + s);
  }

  /** A rank-0 zero of {@code t} (the default zero point). */
  private static Symbol zeros(OnnxNode n, DType t) { return n.param("zero_point", NDArray.allocate(t, Shape.scalar())); }
}
