package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.floatAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intAttr;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.topi.Detection;
import org.nnvm4j.tensor.topi.DetectionGpu;

/**
 * Detection ops of NNVM level 5 (TVM semantics, fixed-size outputs): get_valid_counts and non_max_suppression over
 * boxes [batch, num_anchors, K] whose rows hold a class id, a score and the corners (x1, y1, x2, y2); rows that are
 * not boxes are -1.
 */
public final class VisionDetectOps {
  private VisionDetectOps() {}

  public static List<Op> ops() {
    return List.of(getValidCounts(), nonMaxSuppression(), multiboxPrior(), yoloReorg(), roiPool());
  }

  /**
   * The GPU form ({@link DetectionGpu}) of get_valid_counts and non_max_suppression for a backend with thread
   * binding whose work-groups hold at most {@code maxThreads} work-items, or empty for any other op. The generic
   * computes are sequential TIR with no thread binding, which a GPU backend cannot launch; a GPU backend's
   * {@code Lowering.compute} returns this instead.
   */
  public static Optional<List<Tensor>> gpuCompute(String op, Map<String, String> a, List<Tensor> in, int maxThreads) {
    return switch (op) {
      case "get_valid_counts" -> Optional.of(DetectionGpu.getValidCounts(in.get(0), floatAttr(a, "score_threshold"),
          intAttr(a, "id_index"), intAttr(a, "score_index"), maxThreads, op));
      case "non_max_suppression" -> Optional.of(List.of(DetectionGpu.nonMaxSuppression(in.get(0), in.get(1), nmsParams(a), maxThreads, op)));
      default -> Optional.empty();
    };
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

  private static Op multiboxPrior() {
    return Op.builder("multibox_prior").describe("SSD anchor boxes (x1, y1, x2, y2) for the feature map data [N, C, H, W]:"
            + " [1, H * W * (sizes + ratios - 1), 4].").inputs("data")
        .attr("sizes", "(1.0,)", "box sizes relative to the image", positiveFloats("sizes"))
        .attr("ratios", "(1.0,)", "aspect ratios (the first pairs with every size, the others with sizes[0])", positiveFloats("ratios"))
        .attr("steps", "(-1.0, -1.0)", "(y, x) distance of the cell centres (-1: 1 / the extent)", v -> floatPair(v, "steps"))
        .attr("offsets", "(0.5, 0.5)", "(y, x) offset of the centre within a cell", v -> floatPair(v, "offsets"))
        .attr("clip", "False", "clamp the corners to [0, 1]", OpAttrs.BOOL)
        .pattern(OpPattern.INJECTIVE)
        .inferType((a, in) -> in[0] == null ? null : new DType[] {floatData("multibox_prior", in[0])})
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          if (in[0].rank() != 4) throw CompileException.invalid("multibox_prior: data has shape %s; expected [N, C, H, W]", in[0]);
          Detection.PriorParams p = priorParams(a);
          return new Shape[] {Shape.of(1, in[0].dim(2) * in[0].dim(3) * (p.sizes().length + p.ratios().length - 1), 4)};
        })
        .compute((a, in) -> List.of(Detection.multiboxPrior(in.get(0), priorParams(a), "multibox_prior")))
        .build();
  }

  private static Op yoloReorg() {
    return Op.builder("yolo_reorg").describe("Darknet's reorg (YOLOv2 passthrough): data [B, C, H, W] to [B, C s^2, H / s, W / s],"
            + " out[b, (dy s + dx) C + c, y, x] = data[b, c, y s + dy, x s + dx].").inputs("data")
        .attr("stride", "2", "the block edge s", OpAttrs.POSITIVE_INT)
        .pattern(OpPattern.INJECTIVE)
        .inferType((a, in) -> in[0] == null ? null : new DType[] {in[0]})
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          int st = intAttr(a, "stride");
          Shape d = in[0];
          if (d.rank() != 4) throw CompileException.invalid("yolo_reorg: data has shape %s; expected [B, C, H, W]", d);
          if (d.dim(2) % st != 0 || d.dim(3) % st != 0) {
            throw CompileException.invalid("yolo_reorg: attribute stride %d does not divide the height and width of %s", st, d);
          }
          return new Shape[] {Shape.of(d.dim(0), d.dim(1) * st * st, d.dim(2) / st, d.dim(3) / st)};
        })
        .compute((a, in) -> List.of(Detection.yoloReorg(in.get(0), intAttr(a, "stride"), "yolo_reorg")))
        .build();
  }

  private static Op roiPool() {
    return Op.builder("roi_pool").describe("Max ROI pooling of data [N, C, H, W] over rois [R, 5] = (batch, x1, y1, x2, y2):"
            + " [R, C, pooled_h, pooled_w], empty bins 0.").inputs("data", "rois")
        .attr("pooled_size", null, "(height, width) of the output bins", OpAttrs.positivePair(2))
        .attr("spatial_scale", "1", "multiplies the box coordinates", v -> {
          if (OpAttrs.parseFloat(v) <= 0) throw new IllegalArgumentException("expected a positive number");
        })
        .pattern(OpPattern.OPAQUE)
        .inferType((a, in) -> {
          if (in[1] != null && !in[1].isFloat()) throw CompileException.invalid("roi_pool: rois must be floating point, got %s", in[1]);
          return in[0] == null ? null : new DType[] {floatData("roi_pool", in[0])};
        })
        .inferShape((a, in) -> {
          if (in[0] == null || in[1] == null) return null;
          if (in[0].rank() != 4 || in[1].rank() != 2 || in[1].dim(1) != 5) {
            throw CompileException.invalid("roi_pool: data %s and rois %s; expected [N, C, H, W] and [R, 5]", in[0], in[1]);
          }
          int[] p = OpAttrs.ints(a.get("pooled_size"), 2);
          return new Shape[] {Shape.of(in[1].dim(0), in[0].dim(1), p[0], p[1])};
        })
        .compute((a, in) -> {
          int[] p = OpAttrs.ints(a.get("pooled_size"), 2);
          return List.of(Detection.roiPool(in.get(0), in.get(1), p[0], p[1], floatAttr(a, "spatial_scale"), "roi_pool"));
        })
        .build();
  }

  private static Detection.PriorParams priorParams(Map<String, String> a) {
    double[] steps = floats(a.get("steps"));
    double[] offsets = floats(a.get("offsets"));
    return new Detection.PriorParams(floats(a.get("sizes")), floats(a.get("ratios")), steps[0], steps[1], offsets[0], offsets[1],
        boolAttr(a, "clip"));
  }

  /** A tuple of numbers such as {@code (0.5, 1.0)}. */
  static double[] floats(String v) {
    String body = v.trim().replaceAll("^[(\\[]|[)\\]]$", "");
    return java.util.Arrays.stream(body.split(",")).map(String::trim).filter(x -> !x.isEmpty()).mapToDouble(Double::parseDouble).toArray();
  }

  private static Op.AttrCheck positiveFloats(String what) {
    return v -> {
      double[] f = floats(v);
      if (f.length == 0 || java.util.Arrays.stream(f).anyMatch(x -> !(x > 0))) {
        throw new IllegalArgumentException("expected a non-empty tuple of positive " + what);
      }
    };
  }

  private static void floatPair(String v, String what) {
    if (floats(v).length != 2) throw new IllegalArgumentException("expected 2 numbers (y, x) of " + what);
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
