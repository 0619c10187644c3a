package org.nnvm4j.frontend.onnx;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;

/**
 * ONNX activations written as exact compositions of registered graph ops: |x| = relu(x) + relu(-x),
 * min(x, 0) = -relu(-x), so Abs, Elu, Selu, Celu, PRelu, Softsign follow; Reciprocal, Softplus,
 * HardSigmoid, HardSwish and the variadic Mean use the scalar ops; IsInf, ThresholdedRelu and Shrink compare
 * against scalar parameters. (The normalizations have graph ops of their own: {@link NormConverters}.)
 */
final class CompositeConverters {
  private CompositeConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("Abs", n -> List.of(abs(n, n.input(0))));
    t.put("Reciprocal", n -> List.of(n.op("__rdiv_scalar__", scalar(1), n.input(0))));
    t.put("Softplus", n -> List.of(n.op("log", Map.of(), n.op("__add_scalar__", scalar(1), n.op("exp", Map.of(), n.input(0))))));
    t.put("Softsign", n -> {
      Symbol x = n.input(0);
      return List.of(n.op("elemwise_div", Map.of(), x, n.op("__add_scalar__", scalar(1), abs(n, x))));
    });
    t.put("Elu", n -> {
      n.onlyAttrs("alpha", "consumed_inputs");
      return List.of(elu(n, n.input(0), n.attrFloat("alpha", 1f), 1f));
    });
    t.put("Celu", n -> {
      n.onlyAttrs("alpha");
      float alpha = n.attrFloat("alpha", 1f);
      return List.of(elu(n, n.input(0), alpha, alpha));
    });
    t.put("Selu", n -> {
      n.onlyAttrs("alpha", "gamma", "consumed_inputs");
      Symbol e = elu(n, n.input(0), n.attrFloat("alpha", 1.67326319217681884765625f), 1f);
      return List.of(n.op("__mul_scalar__", scalar(n.attrFloat("gamma", 1.05070102214813232421875f)), e));
    });
    t.put("HardSigmoid", n -> {
      n.onlyAttrs("alpha", "beta", "consumed_inputs");
      return List.of(hardSigmoid(n, n.input(0), n.attrFloat("alpha", 0.2f), n.attrFloat("beta", 0.5f)));
    });
    t.put("HardSwish", n -> {
      Symbol x = n.input(0);
      return List.of(n.op("elemwise_mul", Map.of(), x, hardSigmoid(n, x, 1f / 6, 0.5f)));
    });
    t.put("PRelu", n -> {
      // relu(x) - slope * relu(-x); the slope broadcasts against x (unidirectionally from opset 7;
      // before, a 1-D slope of C values applies per channel, axis 1).
      Symbol x = n.input(0);
      Symbol slope = n.input(1);
      org.nnvm4j.tensor.Shape xs = n.shape(0);
      org.nnvm4j.tensor.Shape ss = n.shape(1);
      if (n.opset() < 7 && xs != null && ss != null && xs.rank() > 2 && ss.rank() == 1 && ss.dim(0) == xs.dim(1)) {
        long[] perChannel = new long[xs.rank() - 1];
        java.util.Arrays.fill(perChannel, 1);
        perChannel[0] = ss.dim(0);
        slope = n.op("reshape", Map.of("shape", OnnxNode.tuple(perChannel)), slope);
      }
      Symbol neg = n.op("relu", Map.of(), n.op("negative", Map.of(), x));
      boolean same = ss != null && ss.equals(xs) && slope == n.input(1);
      Symbol scaled = n.op(same ? "elemwise_mul" : "broadcast_mul", Map.of(), neg, slope);
      return List.of(n.op("elemwise_sub", Map.of(), n.op("relu", Map.of(), x), scaled));
    });
    t.put("IsInf", n -> {
      n.onlyAttrs("detect_negative", "detect_positive");
      boolean neg = n.attrInt("detect_negative", 1) != 0, pos = n.attrInt("detect_positive", 1) != 0;
      if (!neg && !pos) throw n.unsupported("detect_negative=0 and detect_positive=0 is not supported");
      Symbol x = n.input(0);
      Symbol isPos = pos ? n.op("broadcast_equal", Map.of(), x, scalarParam(n, "inf", Double.POSITIVE_INFINITY)) : null;
      Symbol isNeg = neg ? n.op("broadcast_equal", Map.of(), x, scalarParam(n, "minus_inf", Double.NEGATIVE_INFINITY)) : null;
      return List.of(isPos == null ? isNeg : isNeg == null ? isPos : n.op("broadcast_logical_or", Map.of(), isPos, isNeg));
    });
    t.put("ThresholdedRelu", n -> {
      n.onlyAttrs("alpha");
      Symbol x = n.input(0);
      Symbol above = n.op("broadcast_greater", Map.of(), x, scalarParam(n, "alpha", n.attrFloat("alpha", 1f)));
      return List.of(n.op("where", Map.of(), above, x, scalarParam(n, "zero", 0)));
    });
    t.put("Shrink", n -> {
      // x < -lambd: x + bias; x > lambd: x - bias; else 0.
      n.onlyAttrs("bias", "lambd");
      Symbol x = n.input(0);
      float lambd = n.attrFloat("lambd", 0.5f), bias = n.attrFloat("bias", 0f);
      Symbol low = n.op("broadcast_less", Map.of(), x, scalarParam(n, "minus_lambd", -lambd));
      Symbol high = n.op("broadcast_greater", Map.of(), x, scalarParam(n, "lambd", lambd));
      Symbol inner = n.op("where", Map.of(), high, n.op("__add_scalar__", scalar(-bias), x), scalarParam(n, "zero", 0));
      return List.of(n.op("where", Map.of(), low, n.op("__add_scalar__", scalar(bias), x), inner));
    });
    t.put("Mean", n -> {
      Symbol y = n.input(0);
      for (int i = 1; i < n.numInputs(); i++) {
        if (n.shape(i) == null || !n.shape(i).equals(n.shape(0))) throw n.unsupported("inputs must share one known shape");
        y = n.op("elemwise_add", Map.of(), y, n.input(i));
      }
      return List.of(n.op("__mul_scalar__", scalar(1.0 / n.numInputs()), y));
    });
  }

  /** A rank-0 parameter of input 0's dtype holding {@code v}. */
  static Symbol scalarParam(OnnxNode n, String suffix, double v) {
    org.nnvm4j.tensor.DType t = n.dtype(0);
    if (t == null) throw n.unsupported("the input dtype must be known");
    org.nnvm4j.tensor.NDArray a = org.nnvm4j.tensor.NDArray.allocate(t, org.nnvm4j.tensor.Shape.scalar());
    a.setDouble(0, v);
    return n.param(suffix, a);
  }

  static Map<String, String> scalar(double v) { return Map.of("scalar", Double.toString(v)); }

  /** |x| = relu(x) + relu(-x), exact. */
  static Symbol abs(OnnxNode n, Symbol x) {
    return n.op("elemwise_add", Map.of(), n.op("relu", Map.of(), x), n.op("relu", Map.of(), n.op("negative", Map.of(), x)));
  }

  /** relu(x) + alpha * (exp(min(x, 0) / scale) - 1): Elu (scale 1) and Celu (scale alpha). */
  static Symbol elu(OnnxNode n, Symbol x, float alpha, float scale) {
    Symbol min0 = n.op("negative", Map.of(), n.op("relu", Map.of(), n.op("negative", Map.of(), x)));
    if (scale != 1f) min0 = n.op("__mul_scalar__", scalar(1.0 / scale), min0);
    Symbol em1 = n.op("__add_scalar__", scalar(-1), n.op("exp", Map.of(), min0));
    return n.op("elemwise_add", Map.of(), n.op("relu", Map.of(), x), n.op("__mul_scalar__", scalar(alpha), em1));
  }

  /** clip(alpha * x + beta, 0, 1). */
  static Symbol hardSigmoid(OnnxNode n, Symbol x, float alpha, float beta) {
    Symbol lin = n.op("__add_scalar__", scalar(beta), n.op("__mul_scalar__", scalar(alpha), x));
    return n.op("clip", Map.of("a_min", "0", "a_max", "1"), lin);
  }
}
