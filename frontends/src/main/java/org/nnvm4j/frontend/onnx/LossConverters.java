package org.nnvm4j.frontend.onnx;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * Loss ONNX ops as compositions: NegativeLogLikelihoodLoss picks {@code -input[n, target[n, d...], d...]}
 * with gather_elements, weighted by {@code weight[target]} (take) and masked where the target is
 * {@code ignore_index}; SoftmaxCrossEntropyLoss is log_softmax over axis 1 followed by it.
 */
final class LossConverters {
  private LossConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("NegativeLogLikelihoodLoss", n -> {
      n.onlyAttrs("reduction", "ignore_index");
      return List.of(nll(n, n.input(0)));
    });
    t.put("SoftmaxCrossEntropyLoss", n -> {
      n.onlyAttrs("reduction", "ignore_index");
      Symbol logProb = n.op("log_softmax", Map.of("axis", "1"), n.input(0));
      Symbol loss = nll(n, logProb);
      return n.numOutputs() > 1 ? List.of(loss, logProb) : List.of(loss);
    });
  }

  /** The loss of log-probabilities {@code logProb} [N, C, d...] against input 1 (targets [N, d...]) and optional weights (input 2). */
  private static Symbol nll(OnnxNode n, Symbol logProb) {
    Shape s = n.shape(0);
    DType t = n.dtype(0);
    if (s == null || t == null || s.rank() < 2) throw n.unsupported("the input must have a known shape [N, C, d...] and dtype");
    String reduction = n.attrString("reduction", "mean");
    if (!List.of("none", "sum", "mean").contains(reduction)) throw n.unsupported("reduction '" + reduction + "' is not supported");
    Symbol target = n.input(1);
    Symbol picked = n.op("gather_elements", Map.of("axis", "1"), logProb, n.op("expand_dims", Map.of("axis", "1"), target));
    Symbol loss = n.op("negative", Map.of(), n.op("squeeze", Map.of("axis", "(1,)"), picked));
    Symbol weight = n.hasInput(2) ? n.op("take", Map.of("axis", "0"), n.input(2), target) : null;
    if (n.hasAttr("ignore_index")) {
      NDArray ignore = NDArray.allocate(n.dtype(1), Shape.scalar());
      ignore.setDouble(0, n.attrInt("ignore_index", 0));
      Symbol keep = n.op("cast", Map.of("dtype", t.toString()), n.op("broadcast_not_equal", Map.of(), target, n.param("ignore_index", ignore)));
      weight = weight == null ? keep : n.op("elemwise_mul", Map.of(), weight, keep);
    }
    if (weight != null) loss = n.op("elemwise_mul", Map.of(), loss, weight);
    return switch (reduction) {
      case "none" -> loss;
      case "sum" -> n.op("sum", Map.of(), loss);
      default -> weight == null ? n.op("mean", Map.of(), loss)
          : n.op("elemwise_div", Map.of(), n.op("sum", Map.of(), loss), n.op("sum", Map.of(), weight));
    };
  }
}
