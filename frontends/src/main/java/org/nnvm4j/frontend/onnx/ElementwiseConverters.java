package org.nnvm4j.frontend.onnx;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.OpRegistry;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.Shape;

/** Element-wise ONNX ops: the arithmetic binaries (with ONNX broadcasting) and the one-input math ops. */
final class ElementwiseConverters {
  private ElementwiseConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("Add", binary("add"));
    t.put("Sub", binary("sub"));
    t.put("Mul", binary("mul"));
    t.put("Div", binary("div"));
    unary(t, "Neg", "negative");
    unary(t, "Exp", "exp");
    unary(t, "Log", "log");
    unary(t, "Sqrt", "sqrt");
    unary(t, "Abs", "abs");
    unary(t, "Floor", "floor");
    unary(t, "Ceil", "ceil");
    unary(t, "Sigmoid", "sigmoid");
    unary(t, "Tanh", "tanh");
  }

  /** A one-input op; {@code consumed_inputs} (opset 1 to 5) was an in-place hint and changes nothing. */
  private static void unary(Map<String, OpConverter> t, String onnx, String op) {
    t.put(onnx, n -> {
      n.onlyAttrs("consumed_inputs");
      return List.of(n.op(op, Map.of(), n.input(0)));
    });
  }

  /**
   * {@code elemwise_<name>} when both shapes are equal, {@code broadcast_<name>} otherwise. Opsets 1 to 6
   * broadcast only with {@code broadcast=1}, aligning B at {@code axis} (numpy suffix alignment when
   * absent); opset 7 and later broadcast numpy-style always.
   */
  private static OpConverter binary(String name) {
    return n -> {
      n.onlyAttrs("broadcast", "axis", "consumed_inputs");
      Shape a = n.shape(0);
      Shape b = n.shape(1);
      boolean same = a != null && a.equals(b);
      if (n.opset() < 7 && !same) {
        if (n.attrInt("broadcast", 0) == 0) {
          if (a != null && b != null) throw n.unsupported("shapes " + a + " and " + b + " differ and broadcast=0 (opset " + n.opset() + ")");
        } else if (n.hasAttr("axis") && a != null && b != null && n.attrInt("axis", 0) + b.rank() != a.rank()) {
          throw n.unsupported("legacy broadcast of " + b + " at axis " + n.attrInt("axis", 0) + " into " + a + " is not numpy-aligned");
        }
      }
      if (same || a == null || b == null) return List.of(n.op("elemwise_" + name, Map.of(), n.input(0), n.input(1)));
      if (!OpRegistry.contains("broadcast_" + name)) {
        throw n.unsupported("inputs of shapes " + a + " and " + b + " need broadcasting, and graph op 'broadcast_" + name
            + "' is not registered");
      }
      return List.of(n.op("broadcast_" + name, Map.of(), n.input(0), n.input(1)));
    };
  }
}
