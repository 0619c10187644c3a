package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;

/** The messages of the N-D conv, pooling, resize and lrn ops: each names node, op and the attribute or shapes at fault. */
class NnNdOpsErrorsTest {
  private static final Symbol X = Symbol.variable("x");
  private static final Symbol W = Symbol.variable("w");

  private static void assertShapeError(Symbol s, Map<String, Shape> shapes, String message) {
    assertThatThrownBy(() -> InferShape.apply(Graph.create(s), shapes)).isInstanceOf(CompileException.class).hasMessage(message);
  }

  @Test
  void attributesAreCheckedPerSpatialRank() {
    assertThatThrownBy(() -> Symbol.create("conv3d", "c", Map.of("channels", "2", "kernel_size", "(3, 3)"), X, W, W))
        .isInstanceOf(CompileException.class)
        .hasMessage("op conv3d attribute 'kernel_size' = '(3, 3)': expected 3 integers, got 2 (node 'c', op 'conv3d', attribute 'kernel_size')");
    assertThatThrownBy(() -> Symbol.create("conv1d", "c1", Map.of("channels", "2", "kernel_size", "3", "padding", "(1, 2, 3)"), X, W, W))
        .hasMessageStartingWith("op conv1d attribute 'padding' = '(1, 2, 3)': expected 1 or 2 integers, got 3");
    assertThatThrownBy(() -> Symbol.create("max_pool3d", "p", Map.of("pool_size", "2", "padding", "(0, 0, 0, 1, -1, 0)"), X))
        .hasMessageStartingWith("op max_pool3d attribute 'padding' = '(0, 0, 0, 1, -1, 0)': expected non-negative padding");
    assertThatThrownBy(() -> Symbol.create("resize", "r", Map.of("size", "(1, 2)", "coordinate_transformation_mode", "center"), X))
        .hasMessageStartingWith("op resize attribute 'coordinate_transformation_mode' = 'center': expected one of [half_pixel,");
    assertThatThrownBy(() -> Symbol.create("resize", "r2", Map.of("size", "(1, 2)", "scales", "(1, 0)"), X))
        .hasMessageStartingWith("op resize attribute 'scales' = '(1, 0)': expected positive scales");
    assertThatThrownBy(() -> Symbol.create("upsampling", "u", Map.of("scale", "2", "method", "CUBIC"), X))
        .hasMessageStartingWith("op upsampling attribute 'method' = 'CUBIC': expected one of [NEAREST_NEIGHBOR, BILINEAR]");
    assertThatThrownBy(() -> Symbol.create("lrn", "l", Map.of("size", "0"), X))
        .hasMessageStartingWith("op lrn attribute 'size' = '0': expected a positive integer");
  }

  @Test
  void shapeErrorsNameNodeAndOp() {
    assertShapeError(Symbol.create("conv3d", "c", Map.of("channels", "4", "kernel_size", "3", "use_bias", "False"), X, W),
        Map.of("x", Shape.of(1, 2, 5, 5)),
        "shape inference failed: conv3d: data has shape [1, 2, 5, 5]; expected rank 5 (NCDHW) (node 'c', op 'conv3d')");
    assertShapeError(Symbol.create("conv1d", "c2", Map.of("channels", "4", "kernel_size", "3", "use_bias", "False"), X, W),
        Map.of("x", Shape.of(1, 2, 5), "w", Shape.of(4, 3, 3)),
        "shape inference failed: input 1 (weight) has shape [4, 3, 3] but [4, 2, 3] is expected (node 'c2', op 'conv1d')");
    assertShapeError(Symbol.create("conv2d_transpose", "t", Map.of("channels", "2", "kernel_size", "3", "strides", "2",
        "output_padding", "(2, 0)", "use_bias", "False"), X, W), Map.of("x", Shape.of(1, 2, 4, 4)),
        "shape inference failed: conv2d_transpose: output_padding 2 of axis 0 must be smaller than its stride or dilation"
            + " (node 't', op 'conv2d_transpose')");
    assertShapeError(Symbol.create("conv3d_transpose", "t2", Map.of("channels", "3", "kernel_size", "2", "groups", "2",
        "use_bias", "False"), X, W), Map.of("x", Shape.of(1, 4, 2, 2, 2)),
        "shape inference failed: conv3d_transpose: 4 input channels and 3 output channels are not divisible by groups=2"
            + " (node 't2', op 'conv3d_transpose')");
    assertShapeError(Symbol.create("avg_pool1d", "p", Map.of("pool_size", "5"), X), Map.of("x", Shape.of(1, 1, 3)),
        "shape inference failed: avg_pool1d: window 5 does not fit data [1, 1, 3] (node 'p', op 'avg_pool1d')");
    assertShapeError(Symbol.create("max_pool1d", "p2", Map.of("pool_size", "2", "padding", "2"), X), Map.of("x", Shape.of(1, 1, 3)),
        "shape inference failed: max_pool1d: padding 2 must be smaller than the (dilated) window 2 on every axis (node 'p2', op 'max_pool1d')");
    assertShapeError(Symbol.create("max_unpool2d", "u", Map.of("pool_size", "2", "strides", "2", "output_size", "(1, 1, 3, 4)"), X, W),
        Map.of("x", Shape.of(1, 1, 2, 2)),
        "shape inference failed: max_unpool2d: output_size [1, 1, 3, 4] is smaller than the pooled input [1, 1, 4, 4] (node 'u', op 'max_unpool2d')");
    assertShapeError(Symbol.create("resize", "r", Map.of("size", "(2, 4)"), X), Map.of("x", Shape.of(1, 2, 3)),
        "shape inference failed: resize: size (2, 4) has 2 extents for data of rank 3 (node 'r', op 'resize')");
    assertShapeError(Symbol.create("resize", "r2", Map.of("size", "(2, 4)", "coordinate_transformation_mode", "tf_crop_and_resize"), X),
        Map.of("x", Shape.of(2, 3)),
        "shape inference failed: resize: coordinate_transformation_mode tf_crop_and_resize needs roi of 4 values, got () (node 'r2', op 'resize')");
    assertShapeError(Symbol.create("lrn", "l", Map.of("axis", "3"), X), Map.of("x", Shape.of(2, 3)),
        "shape inference failed: axis 3 is out of range for rank 2 (node 'l', op 'lrn')");
  }
}
