package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.floatAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intAttr;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.Detection;

/**
 * Detection ops of NNVM level 5 (TVM semantics, fixed-size outputs): get_valid_counts and non_max_suppression over
 * boxes [batch, num_anchors, K] whose rows hold a class id, a score and the corners (x1, y1, x2, y2); rows that are
 * not boxes are -1.
 */
public final class VisionDetectOps {
  private VisionDetectOps() {}

  public static List<Op> ops() {
    return List.of(getValidCounts(), nonMaxSuppression());
  }

  private static Op getValidCounts() {
    return Op.builder("get_valid_counts").describe("Moves the rows of data [B, N, K] whose score exceeds score_threshold (and whose"
            + " class id is not negative) to the top: (valid_count [B] int32, out [B, N, K]), the other rows -1.").inputs("data")
        .numOutputs(2)
        .attr("score_threshold", "0", "a row is valid when its score is greater", OpAttrs.FLOAT)
        .attr("id_index", "0", "the class id element (-1: none)", OpAttrs.INT)
        .attr("score_index", "1", "the score element", OpAttrs.INT)
        .pattern(OpPattern.OPAQUE)
        .inferType((a, in) -> in[0] == null ? null : new DType[] {DType.I32, floatData("get_valid_counts", in[0])})
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          int k = boxRows("get_valid_counts", in[0]);
          checkIndex("get_valid_counts", "score_index", intAttr(a, "score_index"), k, false);
          checkIndex("get_valid_counts", "id_index", intAttr(a, "id_index"), k, true);
          return new Shape[] {Shape.of(in[0].dim(0)), in[0]};
        })
        .compute((a, in) -> Detection.getValidCounts(in.get(0), floatAttr(a, "score_threshold"), intAttr(a, "id_index"),
            intAttr(a, "score_index"), "get_valid_counts"))
        .build();
  }

  private static Op nonMaxSuppression() {
    return Op.builder("non_max_suppression").describe("Greedy NMS of data [B, N, K] whose first valid_count[b] rows are boxes: sorted by"
            + " score, cut to top_k, each kept box suppresses later boxes of its class (any with force_suppress) with IoU >="
            + " iou_threshold; [B, N, K], suppressed rows -1.").inputs("data", "valid_count")
        .attr("iou_threshold", "0.5", "the IoU at which a lower-scored box is suppressed", OpAttrs.FLOAT)
        .attr("force_suppress", "False", "suppress across classes", OpAttrs.BOOL)
        .attr("top_k", "-1", "keep at most this many boxes by score before suppression (-1: all)", OpAttrs.INT)
        .attr("max_output_size", "-1", "keep at most this many boxes after suppression (-1: all)", OpAttrs.INT)
        .attr("coord_start", "2", "the element of x1 (x1, y1, x2, y2 follow)", OpAttrs.INT)
        .attr("score_index", "1", "the score element", OpAttrs.INT)
        .attr("id_index", "0", "the class id element (-1: none)", OpAttrs.INT)
        .attr("invalid_to_bottom", "False", "move the kept rows to the top", OpAttrs.BOOL)
        .attr("return_indices", "False", "only False: the op returns the boxes", OpAttrs.oneOf("False", "false", "0"))
        .pattern(OpPattern.OPAQUE)
        .inferType((a, in) -> {
          if (in[1] != null && !in[1].isIntegral()) {
            throw CompileException.invalid("non_max_suppression: valid_count must be integers, got %s", in[1]);
          }
          return in[0] == null ? null : new DType[] {floatData("non_max_suppression", in[0])};
        })
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          int k = boxRows("non_max_suppression", in[0]);
          OpRules.expect(in, 1, "valid_count", Shape.of(in[0].dim(0)));
          checkIndex("non_max_suppression", "score_index", intAttr(a, "score_index"), k, false);
          checkIndex("non_max_suppression", "id_index", intAttr(a, "id_index"), k, true);
          int c = intAttr(a, "coord_start");
          if (c < 0 || c + 4 > k) {
            throw CompileException.invalid("non_max_suppression: attribute coord_start %d needs 4 coordinates within rows of %d elements", c, k);
          }
          for (String key : new String[] {"top_k", "max_output_size"}) {
            if (intAttr(a, key) < -1) throw CompileException.invalid("non_max_suppression: attribute %s %d must be -1 or at least 0", key, intAttr(a, key));
          }
          return new Shape[] {in[0]};
        })
        .compute((a, in) -> List.of(Detection.nonMaxSuppression(in.get(0), in.get(1), nmsParams(a), "non_max_suppression")))
        .build();
  }

  private static Detection.NmsParams nmsParams(Map<String, String> a) {
    return new Detection.NmsParams(floatAttr(a, "iou_threshold"), boolAttr(a, "force_suppress"), intAttr(a, "top_k"),
        intAttr(a, "max_output_size"), new Detection.BoxLayout(intAttr(a, "coord_start"), intAttr(a, "score_index"),
        intAttr(a, "id_index")), boolAttr(a, "invalid_to_bottom"));
  }

  private static DType floatData(String op, DType t) {
    if (!t.isFloat()) throw CompileException.invalid("%s: data must be floating point, got %s", op, t);
    return t;
  }

  /** The row width K of boxes [B, N, K]. */
  private static int boxRows(String op, Shape s) {
    if (s.rank() != 3 || s.dim(2) < 2) throw CompileException.invalid("%s: data has shape %s; expected [batch, num_anchors, K >= 2]", op, s);
    return (int) s.dim(2);
  }

  private static void checkIndex(String op, String attr, int v, int k, boolean optional) {
    if (v >= k || v < (optional ? -1 : 0)) {
      throw CompileException.invalid("%s: attribute %s %d is outside rows of %d elements", op, attr, v, k);
    }
  }
}
