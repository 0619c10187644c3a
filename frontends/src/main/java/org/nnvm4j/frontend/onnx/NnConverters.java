package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.Shape;

/** Neural-network ONNX ops: Gemm, MatMul, global pooling, BatchNormalization (inference); Conv and pooling are in {@link ConvConverters}. */
final class NnConverters {
  private NnConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("Gemm", NnConverters::gemm);
    t.put("MatMul", NnConverters::matmul);
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
}
