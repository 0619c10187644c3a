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

  /**
   * MatMul with NumPy semantics. A right operand of rank <= 2 makes it dense (the left operand flattened
   * to rows, the right transposed to [N, K]), which has the x86 strategy; a batched right operand makes
   * it batch_matmul with broadcast batch dimensions. A 1-D operand is promoted to a matrix and its unit
   * dimension dropped from the result.
   */
  private static List<Symbol> matmul(OnnxNode n) {
    Shape a = n.shape(0);
    Shape b = n.shape(1);
    if (a == null || b == null || a.rank() < 1 || b.rank() < 1) {
      throw n.unsupported("operand shapes must be known and of rank >= 1, got " + a + " x " + b);
    }
    long k = a.dim(a.rank() - 1);
    long[] out = matmulShape(n, a, b);
    Symbol y;
    Shape got;
    if (b.rank() <= 2) {
      long cols = b.rank() == 2 ? b.dim(1) : 1;
      Symbol w = b.rank() == 2 ? n.op("transpose", Map.of("axes", tuple(1, 0)), n.input(1)) : n.op("reshape", Map.of("shape", tuple(1, k)), n.input(1));
      Symbol x = a.rank() == 2 ? n.input(0) : n.op("reshape", Map.of("shape", tuple(-1, k)), n.input(0));
      y = n.op("dense", Map.of("units", Long.toString(cols), "use_bias", "False"), x, w);
      got = Shape.of(a.numElements() / k, cols);
    } else {
      Symbol x = a.rank() == 1 ? n.op("reshape", Map.of("shape", tuple(1, k)), n.input(0)) : n.input(0);
      Symbol w = n.input(1);
      y = n.op("batch_matmul", Map.of(), x, w);
      got = null;
    }
    if (got != null && got.equals(Shape.of(out))) return List.of(y);
    return List.of(n.op("reshape", Map.of("shape", tuple(out)), y));
  }

  /** NumPy's matmul shape: broadcast batch dimensions, then [M, N] without the dimension of a 1-D operand. */
  private static long[] matmulShape(OnnxNode n, Shape a, Shape b) {
    long[] sa = a.rank() == 1 ? new long[] {1, a.dim(0)} : a.toArray();
    long[] sb = b.rank() == 1 ? new long[] {b.dim(0), 1} : b.toArray();
    if (sa[sa.length - 1] != sb[sb.length - 2]) throw n.unsupported("inner dimensions differ: " + a + " x " + b);
    long[] batch = org.nnvm4j.tensor.topi.Broadcast.shape(java.util.Arrays.copyOf(sa, sa.length - 2), java.util.Arrays.copyOf(sb, sb.length - 2));
    if (batch == null) throw n.unsupported("batch dimensions of " + a + " and " + b + " do not broadcast");
    java.util.List<Long> out = new java.util.ArrayList<>(java.util.Arrays.stream(batch).boxed().toList());
    if (a.rank() > 1) out.add(sa[sa.length - 2]);
    if (b.rank() > 1) out.add(sb[sb.length - 1]);
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /** Inference-mode batch norm; outputs 2 to 5 (training statistics) are not produced. */
  private static List<Symbol> batchNorm(OnnxNode n) {
    n.onlyAttrs("epsilon", "momentum", "spatial", "is_test", "consumed_inputs", "training_mode");
    if (n.attrInt("spatial", 1) != 1) throw n.unsupported("spatial=0 is not supported");
    if (n.attrInt("training_mode", 0) != 0) return IndexConverters.batchNormTraining(n);
    return List.of(n.op("batch_norm", Map.of("axis", "1", "epsilon", Float.toString(n.attrFloat("epsilon", 1e-5f))),
        n.input(0), n.input(1), n.input(2), n.input(3), n.input(4)));
  }

  private static Symbol rank4(OnnxNode n) {
    Shape s = n.shape(0);
    if (s != null && s.rank() != 4) throw n.unsupported("only 4-D NCHW data is supported, got " + s);
    return n.input(0);
  }
}
