package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.Shape;

/** Layout ONNX ops: Reshape, Flatten, Transpose, Concat, Unsqueeze, Squeeze. */
final class ShapeConverters {
  private ShapeConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("Reshape", ShapeConverters::reshape);
    t.put("Flatten", ShapeConverters::flatten);
    t.put("Transpose", n -> {
      n.onlyAttrs("perm");
      long[] perm = n.attrInts("perm");
      return List.of(n.op("transpose", perm == null ? Map.of() : Map.of("axes", tuple(perm)), n.input(0)));
    });
    t.put("Concat", n -> {
      n.onlyAttrs("axis");
      if (!n.hasAttr("axis") && n.opset() >= 4) throw n.unsupported("attribute 'axis' is required");
      Symbol[] in = new Symbol[n.numInputs()];
      for (int i = 0; i < in.length; i++) in[i] = n.input(i);
      return List.of(n.op("concatenate", Map.of("axis", Long.toString(n.attrInt("axis", 1))), in));
    });
    t.put("Unsqueeze", ShapeConverters::unsqueeze);
    t.put("Squeeze", n -> {
      long[] axes = axes(n, 13);
      return List.of(n.op("squeeze", axes == null ? Map.of() : Map.of("axis", tuple(axes)), n.input(0)));
    });
  }

  /** Reshape: the target shape is an attribute before opset 5 and a constant input after; 0 copies a dimension unless allowzero. */
  private static List<Symbol> reshape(OnnxNode n) {
    long[] shape;
    if (n.opset() < 5) {
      n.onlyAttrs("shape", "consumed_inputs");
      shape = n.attrInts("shape");
    } else {
      n.onlyAttrs("allowzero");
      shape = n.constantInts(1);
      if (shape == null) throw n.unsupported("the shape input must be a constant (an initializer or Constant)");
      if (n.attrInt("allowzero", 0) != 0 && Arrays.stream(shape).anyMatch(d -> d == 0)) {
        throw n.unsupported("allowzero=1 with a 0 in the shape is not supported");
      }
    }
    if (shape == null) throw n.unsupported("no target shape");
    return List.of(n.op("reshape", Map.of("shape", tuple(shape)), n.input(0)));
  }

  /** Flatten at {@code axis}: NNVM's flatten for axis 1, a reshape to [prod(:axis), prod(axis:)] otherwise. */
  private static List<Symbol> flatten(OnnxNode n) {
    n.onlyAttrs("axis");
    long axis = n.attrInt("axis", 1);
    Shape s = n.shape(0);
    if (axis == 1 && s != null && s.rank() >= 2) return List.of(n.op("flatten", Map.of(), n.input(0)));
    if (s == null) throw n.unsupported("the input shape must be known for axis " + axis);
    if (axis < 0) axis += s.rank();
    long outer = 1;
    long inner = 1;
    for (int i = 0; i < s.rank(); i++) {
      if (i < axis) outer *= s.dim(i);
      else inner *= s.dim(i);
    }
    return List.of(n.op("reshape", Map.of("shape", tuple(outer, inner)), n.input(0)));
  }

  /** Unsqueeze: one expand_dims per new axis, in ascending order of the output positions. */
  private static List<Symbol> unsqueeze(OnnxNode n) {
    long[] axes = axes(n, 13);
    Shape s = n.shape(0);
    if (axes == null) throw n.unsupported("'axes' is required");
    if (s == null) throw n.unsupported("the input shape must be known");
    int outRank = s.rank() + axes.length;
    long[] sorted = Arrays.stream(axes).map(a -> a < 0 ? a + outRank : a).sorted().toArray();
    Symbol y = n.input(0);
    for (long a : sorted) y = n.op("expand_dims", Map.of("axis", Long.toString(a)), y);
    return List.of(y);
  }

  /** The axes: an attribute before {@code inputSince}, the (constant) second input from it on; null when absent. */
  static long[] axes(OnnxNode n, int inputSince) {
    if (n.opset() < inputSince) {
      n.onlyAttrs("axes", "keepdims");
      return n.attrInts("axes");
    }
    n.onlyAttrs("keepdims", "noop_with_empty_axes");
    if (!n.hasInput(1)) return null;
    long[] v = n.constantInts(1);
    if (v == null) throw n.unsupported("the axes input must be a constant (an initializer or Constant)");
    return v;
  }
}
