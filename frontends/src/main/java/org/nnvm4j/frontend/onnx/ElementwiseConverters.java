package org.nnvm4j.frontend.onnx;

import java.util.List;
import java.util.Map;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto.DataType;
import org.nnvm4j.graph.OpRegistry;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;

/**
 * Element-wise ONNX ops: the arithmetic binaries (with ONNX broadcasting), comparisons and logic (bool
 * results), Pow, Mod, variadic Max/Min, Where, Cast and the one-input math ops.
 */
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
    unary(t, "Round", "round");
    unary(t, "Sin", "sin");
    unary(t, "Cos", "cos");
    for (String f : List.of("Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh")) unary(t, f, f.toLowerCase(java.util.Locale.ROOT));
    unary(t, "Erf", "erf");
    unary(t, "Sign", "sign");
    unary(t, "Not", "logical_not");
    unary(t, "IsNaN", "isnan");
    t.put("Pow", n -> {
      // From opset 12 the exponent may have another dtype than the base; it is converted to the base's.
      legacyBroadcast(n);
      Symbol exponent = n.input(1);
      DType base = n.dtype(0);
      if (base != null && n.dtype(1) != null && !base.equals(n.dtype(1))) {
        exponent = n.op("cast", Map.of("dtype", base.toString()), exponent);
      }
      return List.of(n.op("broadcast_pow", Map.of(), n.input(0), exponent));
    });
    t.put("Mod", n -> {
      n.onlyAttrs("fmod");
      boolean fmod = n.attrInt("fmod", 0) != 0;
      if (!fmod && n.dtype(0) != null && n.dtype(0).isFloat()) throw n.unsupported("floating-point Mod needs fmod=1");
      return List.of(n.op(fmod ? "broadcast_mod" : "broadcast_floor_mod", Map.of(), n.input(0), n.input(1)));
    });
    broadcasting(t, "Equal", "broadcast_equal");
    broadcasting(t, "Greater", "broadcast_greater");
    broadcasting(t, "Less", "broadcast_less");
    broadcasting(t, "GreaterOrEqual", "broadcast_greater_equal");
    broadcasting(t, "LessOrEqual", "broadcast_less_equal");
    broadcasting(t, "And", "broadcast_logical_and");
    broadcasting(t, "Or", "broadcast_logical_or");
    broadcasting(t, "Xor", "broadcast_logical_xor");
    t.put("Max", n -> variadic(n, "broadcast_max"));
    t.put("Min", n -> variadic(n, "broadcast_min"));
    t.put("Where", n -> List.of(n.op("where", Map.of(), n.input(0), n.input(1), n.input(2))));
    t.put("Cast", n -> {
      n.onlyAttrs("to", "saturate");
      AttributeProto to = n.attr("to");
      if (to == null) throw n.unsupported("attribute 'to' is missing");
      // Opset 1 to 5 name the type as a string ("FLOAT"), later opsets by its number.
      int code = (int) to.getI();
      if (to.hasS() && !to.getS().isEmpty()) {
        String named = to.getS().toStringUtf8();
        DataType d = java.util.Arrays.stream(DataType.values()).filter(v -> v.name().equals(named)).findFirst()
            .orElseThrow(() -> n.unsupported("unknown element type '" + named + "'"));
        code = d.getNumber();
      }
      DType target = OnnxDTypes.of(code);
      if (target == null) throw n.unsupported("cast to " + OnnxDTypes.name(code) + " is not supported");
      return List.of(castTo(n, target));
    });
  }

  /** Input 0 of {@code n} converted to {@code target} (Cast, CastLike): a copy when it has that dtype already. */
  static Symbol castTo(OnnxNode n, DType target) {
    if (target.equals(DType.BF16) || DType.BF16.equals(n.dtype(0))) {
      throw n.unsupported("casts from or to bfloat16 are not supported (ONNX test data carries bfloat16 as raw uint16, and"
          + " expects float -> bfloat16 to truncate where nnvm4j rounds to nearest even)");
    }
    if (target.equals(n.dtype(0))) return n.op("copy", Map.of(), n.input(0));
    return n.op("cast", Map.of("dtype", target.toString()), n.input(0));
  }

  /** A broadcasting binary op (numpy-style from opset 7; the legacy flag before). */
  private static void broadcasting(Map<String, OpConverter> t, String onnx, String op) {
    t.put(onnx, n -> {
      legacyBroadcast(n);
      return List.of(n.op(op, Map.of(), n.input(0), n.input(1)));
    });
  }

  /** Max and Min: any number of inputs, broadcast together (opset 8; equal shapes before, which broadcasting covers). */
  private static List<Symbol> variadic(OnnxNode n, String op) {
    n.onlyAttrs("consumed_inputs");
    Symbol y = n.numInputs() == 1 ? n.op("copy", Map.of(), n.input(0)) : n.input(0);
    for (int i = 1; i < n.numInputs(); i++) y = n.op(op, Map.of(), y, n.input(i));
    return List.of(y);
  }

  /**
   * Checks the opset 1 to 6 broadcast attributes: without {@code broadcast=1} the shapes must be equal,
   * and {@code axis} must give numpy's suffix alignment.
   */
  private static void legacyBroadcast(OnnxNode n) {
    n.onlyAttrs("broadcast", "axis", "consumed_inputs");
    Shape a = n.shape(0);
    Shape b = n.shape(1);
    if (n.opset() >= 7 || a == null || b == null || a.equals(b)) return;
    if (n.attrInt("broadcast", 0) == 0) {
      throw n.unsupported("shapes " + a + " and " + b + " differ and broadcast=0 (opset " + n.opset() + ")");
    } else if (n.hasAttr("axis") && n.attrInt("axis", 0) + b.rank() != a.rank()) {
      throw n.unsupported("legacy broadcast of " + b + " at axis " + n.attrInt("axis", 0) + " into " + a + " is not numpy-aligned");
    }
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
      legacyBroadcast(n);
      Shape a = n.shape(0);
      Shape b = n.shape(1);
      boolean same = a != null && a.equals(b);
      if (same || a == null || b == null) return List.of(n.op("elemwise_" + name, Map.of(), n.input(0), n.input(1)));
      if (!OpRegistry.contains("broadcast_" + name)) {
        throw n.unsupported("inputs of shapes " + a + " and " + b + " need broadcasting, and graph op 'broadcast_" + name
            + "' is not registered");
      }
      return List.of(n.op("broadcast_" + name, Map.of(), n.input(0), n.input(1)));
    };
  }
}
