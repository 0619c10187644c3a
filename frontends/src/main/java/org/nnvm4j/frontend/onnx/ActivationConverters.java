package org.nnvm4j.frontend.onnx;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** Activation ONNX ops: Relu, LeakyRelu, Clip (attributes before opset 11, inputs after), Softmax and LogSoftmax. */
final class ActivationConverters {
  private ActivationConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("Relu", n -> {
      n.onlyAttrs("consumed_inputs");
      return List.of(n.op("relu", Map.of(), n.input(0)));
    });
    t.put("LeakyRelu", n -> {
      n.onlyAttrs("alpha", "consumed_inputs");
      return List.of(n.op("leaky_relu", Map.of("alpha", Float.toString(n.attrFloat("alpha", 0.01f))), n.input(0)));
    });
    t.put("Clip", ActivationConverters::clip);
    t.put("Softmax", n -> softmax(n, "softmax"));
    t.put("LogSoftmax", n -> softmax(n, "log_softmax"));
  }

  /** Clip: opsets 1 to 10 give min/max as attributes; 11 and later as optional (constant) inputs. */
  private static List<Symbol> clip(OnnxNode n) {
    double lo = Double.NEGATIVE_INFINITY;
    double hi = Double.POSITIVE_INFINITY;
    if (n.opset() < 11) {
      n.onlyAttrs("min", "max", "consumed_inputs");
      if (n.hasAttr("min")) lo = n.attrFloat("min", 0);
      if (n.hasAttr("max")) hi = n.attrFloat("max", 0);
    } else {
      n.onlyAttrs();
      if (n.hasInput(1)) lo = scalar(n, 1, "min");
      if (n.hasInput(2)) hi = scalar(n, 2, "max");
    }
    if (Double.isFinite(lo) && Double.isFinite(hi)) {
      return List.of(n.op("clip", Map.of("a_min", Double.toString(lo), "a_max", Double.toString(hi)), n.input(0)));
    }
    // A missing bound clamps nothing (an infinite float bound would too, but an integer input has none).
    Symbol y = n.input(0);
    if (Double.isFinite(lo)) y = n.op("broadcast_max", Map.of(), y, CompositeConverters.scalarParam(n, "min", lo));
    if (Double.isFinite(hi)) y = n.op("broadcast_min", Map.of(), y, CompositeConverters.scalarParam(n, "max", hi));
    return List.of(Double.isFinite(lo) || Double.isFinite(hi) ? y : n.op("copy", Map.of(), y));
  }

  private static double scalar(OnnxNode n, int i, String what) {
    NDArray v = n.constant(i);
    if (v == null) throw n.unsupported("input '" + what + "' must be a constant (an initializer or Constant)");
    if (v.numElements() != 1) throw n.unsupported("input '" + what + "' must be a scalar, got shape " + v.shape());
    return v.getDouble(0);
  }

  /**
   * Softmax: opsets 1 to 12 coerce the input to 2-D at {@code axis} (default 1) and normalize over
   * all trailing axes at once; 13 and later normalize over the one {@code axis} (default -1). The
   * two agree when {@code axis} is the last axis, the only case a one-axis softmax can express.
   */
  private static List<Symbol> softmax(OnnxNode n, String op) {
    n.onlyAttrs("axis");
    Shape s = n.shape(0);
    long axis = n.attrInt("axis", n.opset() < 13 ? 1 : -1);
    if (s != null && axis < 0) axis += s.rank();
    if (n.opset() < 13) {
      if (s == null) throw n.unsupported("the input shape must be known to check the coerced 2-D axis");
      if (axis != s.rank() - 1) {
        boolean trailingOnes = true;
        for (int k = (int) axis + 1; k < s.rank(); k++) trailingOnes &= s.dim(k) == 1;
        if (!trailingOnes) throw n.unsupported("softmax over the flattened axes " + axis + ".." + (s.rank() - 1) + " of " + s
            + " is not supported");
      }
    }
    return List.of(n.op(op, Map.of("axis", Long.toString(axis)), n.input(0)));
  }
}
