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
}
