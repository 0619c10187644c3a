package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.floatAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.ints;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.Sampling;

/** Image sampling ops (NNVM level 5 style): grid_sample and roi_align over NCHW data. */
public final class VisionOps {
  private VisionOps() {}

  public static List<Op> ops() {
    return List.of(gridSample(), roiAlign());
  }

  private static Op gridSample() {
    return Op.builder("grid_sample").describe("Samples data [N, C, H, W] at grid [N, Ho, Wo, 2] of normalized (x, y) in [-1, 1]:"
            + " [N, C, Ho, Wo].").inputs("data", "grid")
        .attr("mode", "bilinear", "the interpolation", OpAttrs.oneOf("bilinear", "nearest", "bicubic"))
        .attr("padding_mode", "zeros", "what positions outside the image read", OpAttrs.oneOf("zeros", "border", "reflection"))
        .attr("align_corners", "False", "whether -1 and 1 are the centers (not the outer edges) of the corner pixels", OpAttrs.BOOL)
        .pattern(OpPattern.INJECTIVE)
        .inferType((a, in) -> {
          if (in[0] != null && !in[0].isFloat()) throw CompileException.invalid("grid_sample: data must be floating point, got %s", in[0]);
          if (in[1] != null && !in[1].isFloat()) throw CompileException.invalid("grid_sample: grid must be floating point, got %s", in[1]);
          return in[0] == null ? null : new DType[] {in[0]};
        })
        .inferShape((a, in) -> {
          if (in[0] == null || in[1] == null) return null;
          Shape d = in[0];
          Shape g = in[1];
          if (d.rank() != 4 || g.rank() != 4 || g.dim(3) != 2 || g.dim(0) != d.dim(0)) {
            throw CompileException.invalid("grid_sample: data %s and grid %s; expected [N, C, H, W] and [N, Ho, Wo, 2]", d, g);
          }
          return new Shape[] {Shape.of(d.dim(0), d.dim(1), g.dim(1), g.dim(2))};
        })
        .compute((a, in) -> List.of(Sampling.gridSample(in.get(0), in.get(1), Sampling.Mode.valueOf(a.get("mode").toUpperCase(Locale.ROOT)),
            Sampling.Padding.valueOf(a.get("padding_mode").toUpperCase(Locale.ROOT)), boolAttr(a, "align_corners"), "grid_sample")))
        .build();
  }

  private static Op roiAlign() {
    return Op.builder("roi_align").describe("Average (or max) of bilinear samples per bin of each box rois[r] = (x1, y1, x2, y2) over"
            + " data[batch_indices[r]]: [R, C, pooled_h, pooled_w].").inputs("data", "rois", "batch_indices")
        .attr("pooled_size", null, "(height, width) of the output bins", OpAttrs.positivePair(2))
        .attr("sampling_ratio", null, "samples per bin along each axis (0: ceil(box extent / bins) per box, at most max_grid)", v -> {
          if (OpAttrs.parseInt(v) < 0) throw new IllegalArgumentException("expected a non-negative integer");
        })
        .attr("max_grid", "(0, 0)", "(height, width) bound of the adaptive samples per bin (sampling_ratio 0)", OpAttrs.nonNegativePair(2))
        .attr("spatial_scale", "1", "multiplies the box coordinates", OpAttrs.FLOAT)
        .attr("mode", "avg", "how the samples of a bin combine", OpAttrs.oneOf("avg", "max"))
        .attr("coordinate_transformation_mode", "half_pixel", "half_pixel shifts the boxes by -0.5 pixel; output_half_pixel does not"
            + " and makes every box at least 1 x 1", OpAttrs.oneOf("half_pixel", "output_half_pixel"))
        .pattern(OpPattern.OPAQUE)
        .inferType((a, in) -> {
          if (in[0] != null && !in[0].isFloat()) throw CompileException.invalid("roi_align: data must be floating point, got %s", in[0]);
          if (in[2] != null && !in[2].isIntegral()) throw CompileException.invalid("roi_align: batch_indices must be integers, got %s", in[2]);
          return in[0] == null ? null : new DType[] {in[0]};
        })
        .inferShape((a, in) -> {
          if (in[0] == null || in[1] == null) return null;
          if (in[0].rank() != 4 || in[1].rank() != 2 || in[1].dim(1) != 4) {
            throw CompileException.invalid("roi_align: data %s and rois %s; expected [N, C, H, W] and [R, 4]", in[0], in[1]);
          }
          OpRules.expect(in, 2, "batch_indices", Shape.of(in[1].dim(0)));
          Sampling.RoiParams rp = roiParams(a);
          if (rp.adaptive() && (rp.maxGridH() < 1 || rp.maxGridW() < 1)) {
            throw CompileException.invalid("roi_align: sampling_ratio 0 (adaptive) needs a positive max_grid, got %s", a.get("max_grid"));
          }
          int[] p = ints(a.get("pooled_size"), 2);
          return new Shape[] {Shape.of(in[1].dim(0), in[0].dim(1), p[0], p[1])};
        })
        .compute((a, in) -> List.of(Sampling.roiAlign(in.get(0), in.get(1), in.get(2), roiParams(a), "roi_align"))).build();
  }

  private static Sampling.RoiParams roiParams(Map<String, String> a) {
    int[] p = ints(a.get("pooled_size"), 2);
    int[] g = ints(a.get("max_grid"), 2);
    return new Sampling.RoiParams(p[0], p[1], intAttr(a, "sampling_ratio"), g[0], g[1], floatAttr(a, "spatial_scale"),
        a.get("coordinate_transformation_mode").equals("half_pixel"), a.get("mode").equals("max"));
  }
}
