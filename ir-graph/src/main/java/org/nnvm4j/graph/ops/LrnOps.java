package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.floatAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.normalizeAxis;

import java.util.List;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.tensor.topi.Lrn;

/** Local response normalization ({@code lrn}, NNVM level 2) across one axis, with NNVM's defaults. */
public final class LrnOps {
  private LrnOps() {}

  public static List<Op> ops() {
    return List.of(Op.builder("lrn")
        .describe("x / (bias + alpha / size * sum of x^2 over size neighbours along axis)^beta.").inputs("data")
        .attr("size", "5", "the window along axis", OpAttrs.POSITIVE_INT)
        .attr("axis", "1", "the axis normalized across", OpAttrs.INT)
        .attr("alpha", "0.0001", "the scale of the sum of squares", OpAttrs.FLOAT)
        .attr("beta", "0.75", "the exponent", OpAttrs.FLOAT)
        .attr("bias", "2", "the offset added before the power", OpAttrs.FLOAT)
        .pattern(OpPattern.OPAQUE).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> {
          if (in[0] != null) normalizeAxis(intAttr(a, "axis"), in[0].rank());
          return OpRules.firstShape(in);
        })
        .compute((a, in) -> List.of(Lrn.lrn(in.get(0), normalizeAxis(intAttr(a, "axis"), in.get(0).ndim()), intAttr(a, "size"),
            floatAttr(a, "alpha"), floatAttr(a, "beta"), floatAttr(a, "bias"), "lrn"))).build());
  }
}
