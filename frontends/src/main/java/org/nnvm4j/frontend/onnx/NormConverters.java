package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.bool;
import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.Shape;

/**
 * Normalizations and Lp pooling onto their graph ops: InstanceNormalization to {@code instance_norm},
 * LayerNormalization to {@code layer_norm} (a scale or bias that only broadcasts to the normalized shape,
 * and the optional Mean and InvStdDev outputs, use {@code mean} and broadcasts), LpNormalization with
 * p = 2 to {@code l2_normalize} with eps 0 (x / ||x||) and with p = 1 to x / sum(|x|), LpPool to
 * {@code lp_pool1d}-{@code lp_pool3d} and GlobalLpPool to {@code global_lp_pool}.
 */
final class NormConverters {
  private NormConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("InstanceNormalization", NormConverters::instanceNorm);
    t.put("LayerNormalization", NormConverters::layerNorm);
    t.put("LpNormalization", NormConverters::lpNormalization);
    t.put("LpPool", NormConverters::lpPool);
    t.put("GlobalLpPool", n -> {
      n.onlyAttrs("p");
      Shape s = n.shape(0);
      if (s == null || s.rank() < 3) throw n.unsupported("the input must have a known shape [N, C, D1, ...], got " + s);
      return List.of(n.op("global_lp_pool", Map.of("p", power(n)), n.input(0)));
    });
  }

  /** Per sample and channel over the spatial axes; scale and B hold one value per channel (axis 1). */
  private static List<Symbol> instanceNorm(OnnxNode n) {
    n.onlyAttrs("epsilon");
    Shape s = n.shape(0);
    if (s == null || s.rank() < 3) throw n.unsupported("the input must have a known shape [N, C, D1, ...], got " + s);
    return List.of(n.op("instance_norm", Map.of("axis", "1", "epsilon", Float.toString(n.attrFloat("epsilon", 1e-5f))), n.input(0),
        n.input(1), n.input(2)));
  }

  /**
   * LayerNormalization over the axes from {@code axis} on. Y is {@code layer_norm} when the scale (and the
   * bias) have the normalized shape; the optional outputs Mean and InvStdDev (reduced axes kept as 1) are
   * {@code mean} and broadcasts, as is Y with a scale or bias that only broadcasts.
   */
  private static List<Symbol> layerNorm(OnnxNode n) {
    n.onlyAttrs("axis", "epsilon", "stash_type");
    Shape s = n.shape(0);
    if (s == null) throw n.unsupported("the input shape must be known");
    int r = s.rank();
    long axis = n.attrInt("axis", -1);
    if (axis < -r || axis >= r) throw n.unsupported("axis " + axis + " is out of range for rank " + r);
    if (axis < 0) axis += r;
    float epsilon = n.attrFloat("epsilon", 1e-5f);
    Shape normalized = Shape.of(Arrays.copyOfRange(s.toArray(), (int) axis, r));
    boolean fits = normalized.equals(n.shape(1)) && (!n.hasInput(2) || normalized.equals(n.shape(2)));
    List<Symbol> out = new ArrayList<>();
    Symbol[] stats = n.numOutputs() > 1 || !fits ? moments(n, n.input(0), LongStream.range(axis, r).toArray(), epsilon) : null;
    if (fits) {
      Map<String, String> a = Map.of("axis", Long.toString(axis), "epsilon", Float.toString(epsilon), "center", bool(n.hasInput(2)));
      out.add(n.hasInput(2) ? n.op("layer_norm", a, n.input(0), n.input(1), n.input(2)) : n.op("layer_norm", a, n.input(0), n.input(1)));
    } else {
      Symbol y = n.op("broadcast_mul", Map.of(), stats[0], n.input(1));
      out.add(n.hasInput(2) ? n.op("broadcast_add", Map.of(), y, n.input(2)) : y);
    }
    if (n.numOutputs() > 1) out.add(stats[1]);
    if (n.numOutputs() > 2) out.add(stats[2]);
    return out;
  }

  /** {@code {(x - mean) * inv, mean, inv}} with mean and inv = 1 / sqrt(var + epsilon) over {@code axes}, kept as extent 1. */
  private static Symbol[] moments(OnnxNode n, Symbol x, long[] axes, float epsilon) {
    Map<String, String> over = Map.of("axis", tuple(axes), "keepdims", "True");
    Symbol mean = n.op("mean", over, x);
    Symbol d = n.op("broadcast_sub", Map.of(), x, mean);
    Symbol var = n.op("mean", over, n.op("elemwise_mul", Map.of(), d, d));
    Map<String, String> eps = CompositeConverters.scalar(epsilon);
    Symbol inv = n.op("__rdiv_scalar__", CompositeConverters.scalar(1), n.op("sqrt", Map.of(), n.op("__add_scalar__", eps, var)));
    return new Symbol[] {n.op("broadcast_mul", Map.of(), d, inv), mean, inv};
  }

  /** x / ||x||_p along axis: p = 2 is l2_normalize with eps 0 (a zero row gives NaN, as the ONNX reference); p = 1 divides by sum |x|. */
  private static List<Symbol> lpNormalization(OnnxNode n) {
    n.onlyAttrs("axis", "p");
    Shape s = n.shape(0);
    if (s == null) throw n.unsupported("the input shape must be known");
    long axis = n.attrInt("axis", -1);
    if (axis < -s.rank() || axis >= s.rank()) throw n.unsupported("axis " + axis + " is out of range for rank " + s.rank());
    long p = n.attrInt("p", 2);
    Symbol x = n.input(0);
    if (p == 2) return List.of(n.op("l2_normalize", Map.of("axis", tuple(axis), "eps", "0"), x));
    if (p != 1) throw n.unsupported("p=" + p + " is not supported; ONNX allows 1 and 2");
    Symbol norm = n.op("sum", Map.of("axis", tuple(axis), "keepdims", "True"), CompositeConverters.abs(n, x));
    return List.of(n.op("broadcast_div", Map.of(), x, norm));
  }

  /** LpPool over 1 to 3 spatial axes (dilations and ceil_mode from opset 18). */
  private static List<Symbol> lpPool(OnnxNode n) {
    n.onlyAttrs("kernel_shape", "strides", "pads", "auto_pad", "p", "ceil_mode", "dilations");
    long[] k = n.attrInts("kernel_shape");
    if (k == null) throw n.unsupported("'kernel_shape' is required");
    Window win = Window.of(n, n.shape(0), k);
    Map<String, String> a = ConvConverters.ndPoolAttrs(win, n.attrInt("ceil_mode", 0) != 0);
    a.put("p", power(n));
    return List.of(n.op("lp_pool" + win.spatial() + "d", a, n.input(0)));
  }

  /** Attribute {@code p}: a float before opset 2, an int after; 2 by default. */
  private static String power(OnnxNode n) {
    AttributeProto p = n.attr("p");
    if (p == null) return "2";
    return p.getType() == AttributeProto.AttributeType.FLOAT ? Float.toString(p.getF()) : Long.toString(p.getI());
  }
}
