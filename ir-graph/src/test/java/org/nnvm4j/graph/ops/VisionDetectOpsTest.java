package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;

/** Shape inference of get_valid_counts and non_max_suppression, and the errors for bad shapes and attributes. */
class VisionDetectOpsTest {
  static Shape[] shapes(Symbol s, Map<String, Shape> in) {
    Graph g = InferShape.apply(Graph.create(s), in);
    return g.attr(Graph.SHAPE, Shape[].class);
  }

  @Test
  void infersFixedSizeOutputs() {
    Symbol x = Symbol.variable("x");
    Symbol gvc = Symbol.create("get_valid_counts", "gvc", Map.of("score_threshold", "0.1"), x);
    Symbol nms = Symbol.create("non_max_suppression", "nms", Map.of("top_k", "3"), gvc.get(1), gvc.get(0));
    Shape[] s = shapes(nms, Map.of("x", Shape.of(2, 7, 6)));
    assertThat(s).contains(Shape.of(2), Shape.of(2, 7, 6));
    assertThat(s[s.length - 1]).isEqualTo(Shape.of(2, 7, 6));
  }

  @Test
  void badShapesAndAttributesNameTheNodeOpAndAttribute() {
    Symbol x = Symbol.variable("x");
    Symbol v = Symbol.variable("v");
    assertThatThrownBy(() -> shapes(Symbol.create("get_valid_counts", "g1", Map.of(), x), Map.of("x", Shape.of(2, 7))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'g1'")
        .hasMessageContaining("get_valid_counts: data has shape [2, 7]; expected [batch, num_anchors, K >= 2]");
    assertThatThrownBy(() -> shapes(Symbol.create("get_valid_counts", "g2", Map.of("score_index", "6"), x), Map.of("x", Shape.of(2, 7, 6))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'g2'")
        .hasMessageContaining("attribute score_index 6 is outside rows of 6 elements");
    assertThatThrownBy(() -> shapes(Symbol.create("non_max_suppression", "n1", Map.of("coord_start", "3"), x, v),
        Map.of("x", Shape.of(1, 4, 6), "v", Shape.of(1))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'n1'")
        .hasMessageContaining("non_max_suppression: attribute coord_start 3 needs 4 coordinates within rows of 6 elements");
    assertThatThrownBy(() -> shapes(Symbol.create("non_max_suppression", "n2", Map.of("top_k", "-2"), x, v),
        Map.of("x", Shape.of(1, 4, 6), "v", Shape.of(1))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'n2'").hasMessageContaining("attribute top_k -2 must be -1 or at least 0");
    assertThatThrownBy(() -> shapes(Symbol.create("non_max_suppression", "n3", Map.of(), x, v),
        Map.of("x", Shape.of(2, 4, 6), "v", Shape.of(3))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'n3'").hasMessageContaining("valid_count");
    assertThatThrownBy(() -> Symbol.create("non_max_suppression", "n4", Map.of("return_indices", "True"), x, v))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'return_indices' = 'True'");
    assertThatThrownBy(() -> Symbol.create("non_max_suppression", "n5", Map.of("iou_threshold", "high"), x, v))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'iou_threshold'");
  }

  @Test
  void anchorsReorgAndRoiPoolShapesAndErrors() {
    Symbol x = Symbol.variable("x");
    Symbol rois = Symbol.variable("rois");
    Shape[] s = shapes(Symbol.create("multibox_prior", "mp", Map.of("sizes", "(0.2, 0.4)", "ratios", "(1, 2, 0.5)"), x),
        Map.of("x", Shape.of(1, 8, 5, 7)));
    assertThat(s[s.length - 1]).isEqualTo(Shape.of(1, 5 * 7 * 4, 4));
    s = shapes(Symbol.create("yolo_reorg", "yr", Map.of("stride", "2"), x), Map.of("x", Shape.of(2, 3, 6, 4)));
    assertThat(s[s.length - 1]).isEqualTo(Shape.of(2, 12, 3, 2));
    s = shapes(Symbol.create("roi_pool", "rp", Map.of("pooled_size", "(3, 2)"), x, rois), Map.of("x", Shape.of(2, 3, 6, 4), "rois", Shape.of(5, 5)));
    assertThat(s[s.length - 1]).isEqualTo(Shape.of(5, 3, 3, 2));
    assertThatThrownBy(() -> shapes(Symbol.create("yolo_reorg", "yr2", Map.of("stride", "4"), x), Map.of("x", Shape.of(2, 3, 6, 4))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'yr2'")
        .hasMessageContaining("yolo_reorg: attribute stride 4 does not divide the height and width of [2, 3, 6, 4]");
    assertThatThrownBy(() -> shapes(Symbol.create("roi_pool", "rp2", Map.of("pooled_size", "2"), x, rois),
        Map.of("x", Shape.of(2, 3, 6, 4), "rois", Shape.of(5, 4))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'rp2'").hasMessageContaining("expected [N, C, H, W] and [R, 5]");
    assertThatThrownBy(() -> shapes(Symbol.create("multibox_prior", "mp2", Map.of(), x), Map.of("x", Shape.of(8, 5, 7))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'mp2'").hasMessageContaining("expected [N, C, H, W]");
    assertThatThrownBy(() -> Symbol.create("multibox_prior", "mp3", Map.of("sizes", "(0.2, -1)"), x))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'sizes'").hasMessageContaining("positive sizes");
    assertThatThrownBy(() -> Symbol.create("multibox_prior", "mp4", Map.of("steps", "(0.1, 0.2, 0.3)"), x))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'steps'").hasMessageContaining("expected 2 numbers");
    assertThatThrownBy(() -> Symbol.create("roi_pool", "rp3", Map.of("pooled_size", "2", "spatial_scale", "0"), x, rois))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'spatial_scale'");
    assertThatThrownBy(() -> Symbol.create("roi_pool", "rp4", Map.of(), x, rois))
        .isInstanceOf(CompileException.class).hasMessageContaining("pooled_size");
  }
}
