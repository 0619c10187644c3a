package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.Shape;

/**
 * ONNX ops that normalize across or move data into the channel axis: LRN (the graph op {@code lrn}),
 * MeanVarianceNormalization (composed from {@code mean}, as its ONNX function body) and SpaceToDepth
 * (reshape, transpose, reshape).
 */
final class ChannelConverters {
  private ChannelConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("LRN", ChannelConverters::lrn);
    t.put("MeanVarianceNormalization", ChannelConverters::meanVarianceNormalization);
    t.put("SpaceToDepth", ChannelConverters::spaceToDepth);
  }

  private static List<Symbol> lrn(OnnxNode n) {
    n.onlyAttrs("alpha", "beta", "bias", "size");
    if (!n.hasAttr("size")) throw n.unsupported("attribute 'size' is required");
    Shape s = n.shape(0);
    if (s != null && s.rank() < 3) throw n.unsupported("the input must have rank 3 or more, got " + s);
    return List.of(n.op("lrn", Map.of("size", Long.toString(n.attrInt("size", 0)), "axis", "1",
        "alpha", Double.toString(n.attrFloat("alpha", 1e-4f)), "beta", Double.toString(n.attrFloat("beta", 0.75f)),
        "bias", Double.toString(n.attrFloat("bias", 1f))), n.input(0)));
  }

  /** (x - mean) / (sqrt(mean((x - mean)^2)) + 1e-9) over axes (default [0, 2, 3]). */
  private static List<Symbol> meanVarianceNormalization(OnnxNode n) {
    n.onlyAttrs("axes");
    long[] axes = n.attrInts("axes");
    if (axes == null) axes = new long[] {0, 2, 3};
    Map<String, String> over = Map.of("axis", tuple(axes), "keepdims", "True");
    Symbol x = n.input(0);
    Symbol centred = n.op("broadcast_sub", Map.of(), x, n.op("mean", over, x));
    Symbol variance = n.op("mean", over, n.op("elemwise_mul", Map.of(), centred, centred));
    Symbol std = n.op("__add_scalar__", Map.of("scalar", "1e-9"), n.op("sqrt", Map.of(), variance));
    return List.of(n.op("broadcast_div", Map.of(), centred, std));
  }

  /** [N, C, H, W] with block b -> [N, C*b*b, H/b, W/b]: reshape to 6-D, transpose, reshape. */
  private static List<Symbol> spaceToDepth(OnnxNode n) {
    n.onlyAttrs("blocksize");
    Shape s = n.shape(0);
    if (s == null || s.rank() != 4) throw n.unsupported("the input must be of known rank-4 shape, got " + s);
    long b = n.attrInt("blocksize", 0);
    long c = s.dim(1), h = s.dim(2), w = s.dim(3);
    if (b < 1 || h % b != 0 || w % b != 0) throw n.unsupported("blocksize " + b + " does not divide height " + h + " and width " + w);
    Symbol y = n.op("reshape", Map.of("shape", tuple(s.dim(0), c, h / b, b, w / b, b)), n.input(0));
    y = n.op("transpose", Map.of("axes", tuple(0, 3, 5, 1, 2, 4)), y);
    return List.of(n.op("reshape", Map.of("shape", tuple(s.dim(0), c * b * b, h / b, w / b)), y));
  }
}
