package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.bool;
import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.Shape;

/** Neural-network ONNX ops: Gemm, MatMul, Conv, pooling, BatchNormalization (inference). 2-D NCHW only. */
final class NnConverters {
  private NnConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("Gemm", NnConverters::gemm);
    t.put("MatMul", NnConverters::matmul);
    t.put("Conv", NnConverters::conv);
    t.put("MaxPool", n -> pool(n, "max_pool2d"));
    t.put("AveragePool", n -> pool(n, "avg_pool2d"));
    t.put("GlobalAveragePool", n -> List.of(n.op("global_avg_pool2d", Map.of(), rank4(n))));
    t.put("GlobalMaxPool", n -> List.of(n.op("global_max_pool2d", Map.of(), rank4(n))));
    t.put("BatchNormalization", NnConverters::batchNorm);
  }

  /** Gemm: alpha * A' B' + beta * C, as dense (which multiplies by its weight transposed) plus scalings. */
  private static List<Symbol> gemm(OnnxNode n) {
    n.onlyAttrs("alpha", "beta", "transA", "transB", "broadcast");
    Shape a = n.shape(0);
    Shape b = n.shape(1);
    if (a == null || b == null || a.rank() != 2 || b.rank() != 2) throw n.unsupported("A and B must have known 2-D shapes, got " + a + " and " + b);
    Symbol x = n.input(0);
    if (n.attrInt("transA", 0) != 0) x = n.op("transpose", Map.of("axes", tuple(1, 0)), x);
    Symbol w = n.input(1);
    long units = n.attrInt("transB", 0) != 0 ? b.dim(0) : b.dim(1);
    if (n.attrInt("transB", 0) == 0) w = n.op("transpose", Map.of("axes", tuple(1, 0)), w);
    float alpha = n.attrFloat("alpha", 1f);
    float beta = n.attrFloat("beta", 1f);
    Shape c = n.hasInput(2) ? n.shape(2) : null;
    boolean biasFits = c != null && c.equals(Shape.of(units)) && alpha == 1f && beta == 1f;
    Symbol y = biasFits
        ? n.op("dense", Map.of("units", Long.toString(units)), x, w, n.input(2))
        : n.op("dense", Map.of("units", Long.toString(units), "use_bias", "False"), x, w);
    if (alpha != 1f) y = n.op("__mul_scalar__", Map.of("scalar", Float.toString(alpha)), y);
    if (n.hasInput(2) && !biasFits && beta != 0f) {
      Symbol bias = n.input(2);
      if (beta != 1f) bias = n.op("__mul_scalar__", Map.of("scalar", Float.toString(beta)), bias);
      y = n.op(c != null && c.equals(Shape.of(a.dim(0), units)) ? "elemwise_add" : "broadcast_add", Map.of(), y, bias);
    }
    return List.of(y);
  }

  /** MatMul of two 2-D matrices: dense with the transposed right operand. */
  private static List<Symbol> matmul(OnnxNode n) {
    Shape a = n.shape(0);
    Shape b = n.shape(1);
    if (a == null || b == null || a.rank() != 2 || b.rank() != 2) {
      throw n.unsupported("only 2-D x 2-D MatMul is supported, got " + a + " x " + b);
    }
    Symbol w = n.op("transpose", Map.of("axes", tuple(1, 0)), n.input(1));
    return List.of(n.op("dense", Map.of("units", Long.toString(b.dim(1)), "use_bias", "False"), n.input(0), w));
  }

  private static List<Symbol> conv(OnnxNode n) {
    n.onlyAttrs("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad");
    Shape w = n.shape(1);
    if (w == null || w.rank() != 4) throw n.unsupported("only 2-D convolution with a known OIHW weight is supported, got weight " + w);
    rank4(n);
    Map<String, String> a = new LinkedHashMap<>();
    a.put("channels", Long.toString(w.dim(0)));
    a.put("kernel_size", tuple(w.dim(2), w.dim(3)));
    a.put("strides", tuple(pair(n, "strides", 1)));
    a.put("padding", tuple(pads(n)));
    a.put("dilation", tuple(pair(n, "dilations", 1)));
    a.put("groups", Long.toString(n.attrInt("group", 1)));
    if (n.hasInput(2)) return List.of(n.op("conv2d", a, n.input(0), n.input(1), n.input(2)));
    a.put("use_bias", "False");
    return List.of(n.op("conv2d", a, n.input(0), n.input(1)));
  }

  private static List<Symbol> pool(OnnxNode n, String op) {
    n.onlyAttrs("kernel_shape", "strides", "pads", "auto_pad", "ceil_mode", "count_include_pad", "storage_order", "dilations");
    rank4(n);
    long[] k = n.attrInts("kernel_shape");
    if (k == null || k.length != 2) throw n.unsupported("only 2-D pooling is supported, kernel_shape " + java.util.Arrays.toString(k));
    long[] d = n.attrInts("dilations");
    if (d != null && (d[0] != 1 || d[1] != 1)) throw n.unsupported("dilated pooling is not supported");
    if (n.attrInt("storage_order", 0) != 0) throw n.unsupported("storage_order=1 is not supported");
    Map<String, String> a = new LinkedHashMap<>();
    a.put("pool_size", tuple(k));
    a.put("strides", tuple(pair(n, "strides", 1)));
    a.put("padding", tuple(pads(n)));
    a.put("ceil_mode", bool(n.attrInt("ceil_mode", 0) != 0));
    if (op.equals("avg_pool2d")) a.put("count_include_pad", bool(n.attrInt("count_include_pad", 0) != 0));
    return List.of(n.op(op, a, n.input(0)));
  }

  /** Inference-mode batch norm; outputs 2 to 5 (training statistics) are not produced. */
  private static List<Symbol> batchNorm(OnnxNode n) {
    n.onlyAttrs("epsilon", "momentum", "spatial", "is_test", "consumed_inputs", "training_mode");
    if (n.attrInt("spatial", 1) != 1) throw n.unsupported("spatial=0 is not supported");
    if (n.attrInt("training_mode", 0) != 0) throw n.unsupported("training_mode=1 is not supported");
    return List.of(n.op("batch_norm", Map.of("axis", "1", "epsilon", Float.toString(n.attrFloat("epsilon", 1e-5f))),
        n.input(0), n.input(1), n.input(2), n.input(3), n.input(4)));
  }

  private static Symbol rank4(OnnxNode n) {
    Shape s = n.shape(0);
    if (s != null && s.rank() != 4) throw n.unsupported("only 4-D NCHW data is supported, got " + s);
    return n.input(0);
  }

  private static long[] pair(OnnxNode n, String attr, long dflt) {
    long[] v = n.attrInts(attr);
    if (v == null) return new long[] {dflt, dflt};
    if (v.length != 2) throw n.unsupported("'" + attr + "' must have 2 values, got " + java.util.Arrays.toString(v));
    return v;
  }

  /** ONNX pads [top, left, bottom, right]; NNVM pads both sides alike, so they must be symmetric. */
  private static long[] pads(OnnxNode n) {
    String auto = n.attrString("auto_pad", "NOTSET");
    if (!auto.equals("NOTSET") && !auto.equals("VALID")) throw n.unsupported("auto_pad=" + auto + " is not supported");
    long[] p = n.attrInts("pads");
    if (p == null || auto.equals("VALID")) return new long[] {0, 0};
    if (p.length != 4) throw n.unsupported("'pads' must have 4 values, got " + java.util.Arrays.toString(p));
    if (p[0] != p[2] || p[1] != p[3]) throw n.unsupported("asymmetric pads " + java.util.Arrays.toString(p) + " are not supported");
    return new long[] {p[0], p[1]};
  }
}
