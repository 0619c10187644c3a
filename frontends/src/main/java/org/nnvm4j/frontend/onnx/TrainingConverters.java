package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.CompositeConverters.scalarParam;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;

/**
 * The optimizer steps of domain {@code ai.onnx.preview.training} (Adagrad, Momentum, Adam): pure
 * element-wise formulas over the learning rate R (a float scalar), the step count T (an int64 scalar)
 * and n tensors each of weights X, gradients G and the optimizer's state, written as broadcast ops.
 */
final class TrainingConverters {
  static final String DOMAIN = "ai.onnx.preview.training";

  private TrainingConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("Adagrad", TrainingConverters::adagrad);
    t.put("Momentum", TrainingConverters::momentum);
    t.put("Adam", TrainingConverters::adam);
  }

  /** Small builder of broadcast arithmetic for one node. */
  private record Ops(OnnxNode n) {
    Symbol add(Symbol a, Symbol b) { return n.op("broadcast_add", Map.of(), a, b); }
    Symbol sub(Symbol a, Symbol b) { return n.op("broadcast_sub", Map.of(), a, b); }
    Symbol mul(Symbol a, Symbol b) { return n.op("broadcast_mul", Map.of(), a, b); }
    Symbol div(Symbol a, Symbol b) { return n.op("broadcast_div", Map.of(), a, b); }
    Symbol sqrt(Symbol a) { return n.op("sqrt", Map.of(), a); }
    Symbol c(String name, double v) { return scalarParam(n, name, v); }
    /** T as float32. */
    Symbol step() { return n.op("cast", Map.of("dtype", "float32"), n.input(1)); }
    /** T > 0. */
    Symbol started() { return n.op("broadcast_greater", Map.of(), step(), c("zero", 0)); }
    /** norm_coefficient * X + G. */
    Symbol regularized(Symbol x, Symbol g, double norm) { return norm == 0 ? g : add(mul(c("norm", norm), x), g); }
  }

  /** The number n of optimized tensors, from the input count {@code 2 + groups * n}. */
  private static int tensors(OnnxNode n, int groups) {
    int k = n.numInputs() - 2;
    if (k <= 0 || k % groups != 0) throw n.unsupported(n.numInputs() + " inputs do not make R, T and " + groups + " groups of tensors");
    if (n.numOutputs() != k / groups * (groups - 1)) throw n.unsupported(n.numOutputs() + " outputs for " + k / groups + " tensors");
    return k / groups;
  }

  /** Adagrad: r = R / (1 + T * decay); H' = H + G_r^2; X' = X - r * G_r / (sqrt(H') + epsilon). */
  private static List<Symbol> adagrad(OnnxNode n) {
    n.onlyAttrs("decay_factor", "epsilon", "norm_coefficient");
    int k = tensors(n, 3);
    Ops o = new Ops(n);
    Symbol r = o.div(n.input(0), o.add(o.c("one", 1), o.mul(o.step(), o.c("decay", n.attrFloat("decay_factor", 0)))));
    List<Symbol> xs = new ArrayList<>();
    List<Symbol> hs = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      Symbol x = n.input(2 + i);
      Symbol g = o.regularized(x, n.input(2 + k + i), n.attrFloat("norm_coefficient", 0));
      Symbol h = o.add(n.input(2 + 2 * k + i), o.mul(g, g));
      xs.add(o.sub(x, o.mul(r, o.div(g, o.add(o.sqrt(h), o.c("epsilon", n.attrFloat("epsilon", 1e-6f)))))));
      hs.add(h);
    }
    xs.addAll(hs);
    return xs;
  }

  /** Momentum: V' = alpha * V + (T > 0 ? beta : 1) * G_r; X' = X - R * V' (standard) or X - R * (G_r + alpha * V') (nesterov). */
  private static List<Symbol> momentum(OnnxNode n) {
    n.onlyAttrs("alpha", "beta", "mode", "norm_coefficient");
    for (String a : List.of("alpha", "beta", "mode", "norm_coefficient")) if (!n.hasAttr(a)) throw n.unsupported("attribute '" + a + "' is required");
    String mode = n.attrString("mode", "");
    if (!mode.equals("standard") && !mode.equals("nesterov")) throw n.unsupported("attribute 'mode' = '" + mode + "': expected standard or nesterov");
    int k = tensors(n, 3);
    Ops o = new Ops(n);
    Symbol alpha = o.c("alpha", n.attrFloat("alpha", 0));
    Symbol beta = n.op("where", Map.of(), o.started(), o.c("beta", n.attrFloat("beta", 0)), o.c("one", 1));
    List<Symbol> xs = new ArrayList<>();
    List<Symbol> vs = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      Symbol x = n.input(2 + i);
      Symbol g = o.regularized(x, n.input(2 + k + i), n.attrFloat("norm_coefficient", 0));
      Symbol v = o.add(o.mul(alpha, n.input(2 + 2 * k + i)), o.mul(beta, g));
      xs.add(o.sub(x, o.mul(n.input(0), mode.equals("standard") ? v : o.add(g, o.mul(alpha, v)))));
      vs.add(v);
    }
    xs.addAll(vs);
    return xs;
  }

  /**
   * Adam: V' = alpha V + (1 - alpha) G_r; H' = beta H + (1 - beta) G_r^2; R' = R sqrt(1 - beta^T) / (1 - alpha^T)
   * when T > 0, else R; X' = (1 - norm_post) (X - R' V' / (sqrt(H') + epsilon)).
   */
  private static List<Symbol> adam(OnnxNode n) {
    n.onlyAttrs("alpha", "beta", "epsilon", "norm_coefficient", "norm_coefficient_post");
    int k = tensors(n, 4);
    Ops o = new Ops(n);
    double alpha = n.attrFloat("alpha", 0.9f);
    double beta = n.attrFloat("beta", 0.999f);
    Symbol one = o.c("one", 1);
    Symbol t = o.step();
    Symbol corrected = o.div(o.mul(n.input(0), o.sqrt(o.sub(one, n.op("broadcast_pow", Map.of(), o.c("beta", beta), t)))),
        o.sub(one, n.op("broadcast_pow", Map.of(), o.c("alpha", alpha), t)));
    Symbol r = n.op("where", Map.of(), o.started(), corrected, n.input(0));
    List<Symbol> xs = new ArrayList<>();
    List<Symbol> vs = new ArrayList<>();
    List<Symbol> hs = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      Symbol x = n.input(2 + i);
      Symbol g = o.regularized(x, n.input(2 + k + i), n.attrFloat("norm_coefficient", 0));
      Symbol v = o.add(o.mul(o.c("alpha", alpha), n.input(2 + 2 * k + i)), o.mul(o.c("one_minus_alpha", 1 - alpha), g));
      Symbol h = o.add(o.mul(o.c("beta", beta), n.input(2 + 3 * k + i)), o.mul(o.c("one_minus_beta", 1 - beta), o.mul(g, g)));
      Symbol step = o.sub(x, o.mul(r, o.div(v, o.add(o.sqrt(h), o.c("epsilon", n.attrFloat("epsilon", 1e-6f))))));
      double post = n.attrFloat("norm_coefficient_post", 0);
      xs.add(post == 0 ? step : o.mul(o.c("post", 1 - post), step));
      vs.add(v);
      hs.add(h);
    }
    xs.addAll(vs);
    xs.addAll(hs);
    return xs;
  }
}
