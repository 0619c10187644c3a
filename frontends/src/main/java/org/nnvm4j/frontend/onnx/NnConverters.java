package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.bool;
import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.Shape;

/** Neural-network ONNX ops: Gemm, MatMul, Conv and pooling (1-D and 2-D, NCHW), global pooling, BatchNormalization (inference). */
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

  /** Conv over 1 or 2 spatial axes; 1-D runs as conv2d over [N, C, 1, W] between expand_dims and squeeze. */
  private static List<Symbol> conv(OnnxNode n) {
    n.onlyAttrs("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad");
    return List.of(conv(n, n.input(0), n.shape(0), n.input(1), n.shape(1), n.hasInput(2) ? n.input(2) : null));
  }

  /** Conv of {@code data} (shape {@code ds}) with {@code weight} (shape {@code w}) and an optional bias, by node {@code n}'s window attributes. */
  static Symbol conv(OnnxNode n, Symbol data, Shape ds, Symbol weight, Shape w, Symbol bias) {
    if (w == null || w.rank() < 3) throw n.unsupported("the weight shape must be known, got " + w);
    Window win = Window.of(n, ds, java.util.Arrays.copyOfRange(w.toArray(), 2, w.rank()));
    Map<String, String> a = new LinkedHashMap<>();
    a.put("channels", Long.toString(w.dim(0)));
    a.put("kernel_size", win.pair(win.kernel(), 1));
    a.put("strides", win.pair(win.strides(), 1));
    a.put("padding", win.pair(win.pads(), 0));
    a.put("dilation", win.pair(win.dilations(), 1));
    a.put("groups", Long.toString(n.attrInt("group", 1)));
    Symbol x = lift(n, win, data);
    Symbol wt = lift(n, win, weight);
    if (bias == null) a.put("use_bias", "False");
    Symbol y = bias != null ? n.op("conv2d", a, x, wt, bias) : n.op("conv2d", a, x, wt);
    return drop(n, win, y);
  }

  private static List<Symbol> pool(OnnxNode n, String op) {
    n.onlyAttrs("kernel_shape", "strides", "pads", "auto_pad", "ceil_mode", "count_include_pad", "storage_order", "dilations");
    long[] k = n.attrInts("kernel_shape");
    if (k == null) throw n.unsupported("'kernel_shape' is required");
    Window win = Window.of(n, n.shape(0), k);
    if (java.util.Arrays.stream(win.dilations()).anyMatch(d -> d != 1)) throw n.unsupported("dilated pooling is not supported");
    if (n.attrInt("storage_order", 0) != 0) throw n.unsupported("storage_order=1 is not supported");
    Map<String, String> a = new LinkedHashMap<>();
    a.put("pool_size", win.pair(k, 1));
    a.put("strides", win.pair(win.strides(), 1));
    a.put("padding", win.pair(win.pads(), 0));
    a.put("ceil_mode", bool(n.attrInt("ceil_mode", 0) != 0));
    if (op.equals("avg_pool2d")) a.put("count_include_pad", bool(n.attrInt("count_include_pad", 0) != 0));
    return List.of(drop(n, win, n.op(op, a, lift(n, win, n.input(0)))));
  }

  /** For a 1-D window: [N, C, W] -> [N, C, 1, W]. */
  private static Symbol lift(OnnxNode n, Window win, Symbol s) {
    return win.spatial() == 2 ? s : n.op("expand_dims", Map.of("axis", "2"), s);
  }

  /** For a 1-D window: [N, C, 1, W] -> [N, C, W]. */
  private static Symbol drop(OnnxNode n, Window win, Symbol s) {
    return win.spatial() == 2 ? s : n.op("squeeze", Map.of("axis", tuple(2)), s);
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
