package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.floatAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.normalizeAxis;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.Norm;

/**
 * Normalizations over groups of axes (NNVM/TVM level 2): {@code instance_norm}, {@code layer_norm}
 * (over the axes from {@code axis} on, as ONNX LayerNormalization) and {@code l2_normalize}. Each runs as
 * one opaque group (row reductions, then the scaled output), like {@code softmax}, in the layout it was built for.
 */
public final class NormOps {
  private NormOps() {}

  /** Checks for a finite float >= 0 (an epsilon). */
  static final Op.AttrCheck NON_NEGATIVE_FLOAT = v -> {
    if (OpAttrs.parseFloat(v) < 0) throw new IllegalArgumentException("expected a non-negative number");
  };

  public static List<Op> ops() { return List.of(instanceNorm(), layerNorm(), l2Normalize()); }

  private static Op instanceNorm() {
    return Op.builder("instance_norm").describe("Per sample and channel: (x - mean) / sqrt(var + epsilon) * gamma + beta, the moments"
            + " over the spatial axes (every axis but the batch and the channel axis).")
        .inputs("data", "gamma", "beta")
        .attr("axis", "1", "the channel axis", OpAttrs.INT)
        .attr("epsilon", "1e-05", "added to the variance", NON_NEGATIVE_FLOAT)
        .pattern(OpPattern.OPAQUE).inferType((a, in) -> floatType("instance_norm", in))
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          if (in[0].rank() < 3) throw CompileException.invalid("instance_norm: data has shape %s; expected [N, C, spatial...]", in[0]);
          int axis = normalizeAxis(intAttr(a, "axis"), in[0].rank());
          if (axis == 0) throw CompileException.invalid("instance_norm: attribute axis %s is the batch axis; expected the channel axis", a.get("axis"));
          OpRules.expect(in, 1, "gamma", Shape.of(in[0].dim(axis)));
          OpRules.expect(in, 2, "beta", Shape.of(in[0].dim(axis)));
          return new Shape[] {in[0]};
        })
        .compute((a, in) -> List.of(Norm.instanceNorm(in.get(0), in.get(1), in.get(2), normalizeAxis(intAttr(a, "axis"), in.get(0).ndim()),
            floatAttr(a, "epsilon"), "instance_norm"))).build();
  }

  private static Op layerNorm() {
    return Op.builder("layer_norm").describe("(x - mean) / sqrt(var + epsilon) * gamma + beta with the moments over the axes from axis"
            + " on; gamma and beta have that normalized shape.")
        .inputs("data", "gamma", "beta").arity(a -> boolAttr(a, "center") ? 3 : 2)
        .attr("axis", "-1", "the first normalized axis", OpAttrs.INT)
        .attr("epsilon", "1e-05", "added to the variance", NON_NEGATIVE_FLOAT)
        .attr("center", "True", "whether to add the beta input", OpAttrs.BOOL)
        .pattern(OpPattern.OPAQUE).inferType((a, in) -> floatType("layer_norm", in))
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          int axis = normalizeAxis(intAttr(a, "axis"), in[0].rank());
          Shape normalized = Shape.of(Arrays.copyOfRange(in[0].toArray(), axis, in[0].rank()));
          OpRules.expect(in, 1, "gamma", normalized);
          if (in.length > 2) OpRules.expect(in, 2, "beta", normalized);
          return new Shape[] {in[0]};
        })
        .compute((a, in) -> List.of(Norm.layerNorm(in.get(0), in.get(1), in.size() > 2 ? in.get(2) : null,
            normalizeAxis(intAttr(a, "axis"), in.get(0).ndim()), floatAttr(a, "epsilon"), "layer_norm").out())).build();
  }

  private static Op l2Normalize() {
    return Op.builder("l2_normalize").describe("x / sqrt(max(sum(x^2 over axis), eps)).").inputs("data")
        .attr("eps", "1e-10", "the least sum of squares (0 for x / ||x||, as ONNX LpNormalization)", NON_NEGATIVE_FLOAT)
        .attr("axis", "()", "the normalized axes; () for every axis", OpAttrs.INTS)
        .pattern(OpPattern.OPAQUE).inferType((a, in) -> floatType("l2_normalize", in))
        .inferShape((a, in) -> {
          if (in[0] != null) axes(a, in[0].rank());
          return OpRules.firstShape(in);
        })
        .compute((a, in) -> List.of(Norm.l2Normalize(in.get(0), floatAttr(a, "eps"), axes(a, in.get(0).ndim()), "l2_normalize"))).build();
  }

  /** The distinct, non-negative normalized axes of l2_normalize; all of them for {@code ()}. */
  private static int[] axes(Map<String, String> a, int rank) {
    int[] given = OpAttrs.intsAttr(a, "axis");
    if (given.length == 0) return java.util.stream.IntStream.range(0, rank).toArray();
    int[] out = new int[given.length];
    for (int i = 0; i < given.length; i++) {
      out[i] = normalizeAxis(given[i], rank);
      for (int j = 0; j < i; j++) {
        if (out[j] == out[i]) throw CompileException.invalid("l2_normalize: attribute axis %s names axis %d twice", a.get("axis"), out[i]);
      }
    }
    return out;
  }

  /** One float dtype for every input and the output (the norms and the Lp pools). */
  static DType[] floatType(String op, DType[] in) {
    DType[] out = OpRules.sameType(in);
    if (out != null && !out[0].isFloat()) throw CompileException.invalid("%s: data has dtype %s; expected a float dtype", op, out[0]);
    return out;
  }
}
