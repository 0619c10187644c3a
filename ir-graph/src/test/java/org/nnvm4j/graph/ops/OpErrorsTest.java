package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.Shape;

/** Every user-facing message of the op families: bad attributes and bad shapes name node, op and values. */
class OpErrorsTest {
  private static final Symbol X = Symbol.variable("x");

  @Test
  void malformedAttributeNamesNodeOpAndAttribute() {
    assertThatThrownBy(() -> Symbol.create("conv2d", "c1", Map.of("channels", "4", "kernel_size", "(3, x)"), X, X, X))
        .isInstanceOf(CompileException.class)
        .hasMessage("op conv2d attribute 'kernel_size' = '(3, x)': expected a tuple of integers such as (1, 1) "
            + "(node 'c1', op 'conv2d', attribute 'kernel_size')")
        .extracting(e -> ((CompileException) e).span()).isEqualTo(new Span(null, "c1", "conv2d", "kernel_size"));
  }

  @Test
  void attributeChecksSayWhatIsExpected() {
    assertThatThrownBy(() -> Symbol.create("conv2d", "c2", Map.of("channels", "0", "kernel_size", "3"), X, X, X))
        .hasMessageStartingWith("op conv2d attribute 'channels' = '0': expected a positive integer");
    assertThatThrownBy(() -> Symbol.create("max_pool2d", "p", Map.of("pool_size", "(2, 2)", "padding", "(-1, 0)"), X))
        .hasMessageStartingWith("op max_pool2d attribute 'padding' = '(-1, 0)': expected 2 non-negative integers");
    assertThatThrownBy(() -> Symbol.create("conv2d", "c3", Map.of("channels", "2", "kernel_size", "3", "layout", "NWHC"), X, X, X))
        .hasMessageStartingWith("op conv2d attribute 'layout' = 'NWHC': expected one of [NCHW, NHWC]");
    assertThatThrownBy(() -> Symbol.create("dense", "d", Map.of("units", "2", "use_bias", "maybe"), X, X))
        .hasMessageStartingWith("op dense attribute 'use_bias' = 'maybe': expected True or False");
    assertThatThrownBy(() -> Symbol.create("clip", "c", Map.of("a_min", "lo", "a_max", "1"), X))
        .hasMessageStartingWith("op clip attribute 'a_min' = 'lo': expected a number");
    assertThatThrownBy(() -> Symbol.create("dropout", "dr", Map.of("rate", "1.5"), X))
        .hasMessageStartingWith("op dropout attribute 'rate' = '1.5': expected a rate in [0, 1)");
    assertThatThrownBy(() -> Symbol.create("expand_dims", "e", Map.of("axis", "0", "num_newaxis", "0"), X))
        .hasMessageStartingWith("op expand_dims attribute 'num_newaxis' = '0': expected a positive integer");
    assertThatThrownBy(() -> Symbol.create("sum", "s", Map.of("axis", "1", "keepdims", "yes"), X))
        .hasMessageStartingWith("op sum attribute 'keepdims' = 'yes': expected True or False");
    assertThatThrownBy(() -> Symbol.create("leaky_relu", "l", Map.of("alpha", "NaN"), X))
        .hasMessageStartingWith("op leaky_relu attribute 'alpha' = 'NaN': expected a finite number");
  }

  @Test
  void arityFollowsUseBias() {
    assertThatThrownBy(() -> Symbol.create("dense", "d", Map.of("units", "2", "use_bias", "False"), X, X, X))
        .hasMessage("op dense takes 2 [data, weight] inputs, got 3 (node 'd', op 'dense')");
  }

  private static void assertShapeError(Symbol s, Map<String, Shape> shapes, String message) {
    assertThatThrownBy(() -> InferShape.apply(Graph.create(s), shapes)).isInstanceOf(CompileException.class).hasMessage(message);
  }

  @Test
  void shapeMismatchNamesNodeOpAndBothShapes() {
    Symbol y = Symbol.variable("y");
    assertShapeError(Symbol.create("elemwise_add", "add1", Map.of(), X, y), Map.of("x", Shape.of(2, 3), "y", Shape.of(3, 2)),
        "shape inference failed: input 0 has shape [2, 3] but input 1 has shape [3, 2] (node 'add1', op 'elemwise_add')");
    assertShapeError(Symbol.create("broadcast_mul", "bm", Map.of(), X, y), Map.of("x", Shape.of(2, 3), "y", Shape.of(4)),
        "shape inference failed: shapes [2, 3] and [4] do not broadcast (node 'bm', op 'broadcast_mul')");
    Symbol w = Symbol.variable("w");
    assertShapeError(Symbol.create("dense", "fc", Map.of("units", "3", "use_bias", "False"), X, w),
        Map.of("x", Shape.of(2, 5), "w", Shape.of(3, 4)),
        "shape inference failed: input 1 (weight) has shape [3, 4] but [3, 5] is expected (node 'fc', op 'dense')");
    assertShapeError(Symbol.create("conv2d", "cv", Map.of("channels", "4", "kernel_size", "3", "groups", "3", "use_bias", "False"), X, w),
        Map.of("x", Shape.of(1, 4, 8, 8)),
        "shape inference failed: conv2d: 4 input channels and 4 output channels are not divisible by groups=3 (node 'cv', op 'conv2d')");
    assertShapeError(Symbol.create("conv2d", "cv2", Map.of("channels", "4", "kernel_size", "5", "use_bias", "False"), X, w),
        Map.of("x", Shape.of(1, 1, 3, 3)), "shape inference failed: conv2d: kernel 5x5 does not fit data [1, 1, 3, 3] (node 'cv2', op 'conv2d')");
    assertShapeError(Symbol.create("conv2d", "cv3", Map.of("channels", "4", "kernel_size", "3", "use_bias", "False"), X, w),
        Map.of("x", Shape.of(1, 3, 8)), "shape inference failed: conv2d: data has shape [1, 3, 8]; expected NCHW (node 'cv3', op 'conv2d')");
    assertShapeError(Symbol.create("dense", "fc2", Map.of("units", "3"), X, w, y), Map.of("x", Shape.of(2, 5, 1)),
        "shape inference failed: dense: data has shape [2, 5, 1]; expected [batch, features] (node 'fc2', op 'dense')");
    assertShapeError(Symbol.create("max_pool2d", "mp", Map.of("pool_size", "4"), X), Map.of("x", Shape.of(1, 1, 2, 2)),
        "shape inference failed: max_pool2d: window 4 does not fit data [1, 1, 2, 2] (node 'mp', op 'max_pool2d')");
    assertShapeError(Symbol.create("global_avg_pool2d", "gp", Map.of(), X), Map.of("x", Shape.of(1, 2)),
        "shape inference failed: global_avg_pool2d: data has shape [1, 2]; expected NCHW (node 'gp', op 'global_avg_pool2d')");
    assertShapeError(Symbol.create("batch_norm", "bn", Map.of(), X, w, w, w, w), Map.of("x", Shape.of(1, 3, 2, 2), "w", Shape.of(4)),
        "shape inference failed: input 1 (gamma) has shape [4] but [3] is expected (node 'bn', op 'batch_norm')");
  }

  @Test
  void layoutShapeErrors() {
    Symbol y = Symbol.variable("y");
    assertShapeError(Symbol.create("reshape", "r", Map.of("shape", "(5, -1)"), X), Map.of("x", Shape.of(2, 3)),
        "shape inference failed: reshape: cannot infer -1 in [5, -1] for [2, 3] (node 'r', op 'reshape')");
    assertShapeError(Symbol.create("reshape", "r2", Map.of("shape", "(-1, -1)"), X), Map.of("x", Shape.of(2, 3)),
        "shape inference failed: reshape: shape [-1, -1] has more than one -1 (node 'r2', op 'reshape')");
    assertShapeError(Symbol.create("reshape", "r3", Map.of("shape", "(4, 2)"), X), Map.of("x", Shape.of(2, 3)),
        "shape inference failed: reshape: [2, 3] has 6 elements but shape [4, 2] has 8 (node 'r3', op 'reshape')");
    assertShapeError(Symbol.create("reshape", "r4", Map.of("shape", "(-4, 2)"), X), Map.of("x", Shape.of(2, 3)),
        "shape inference failed: reshape: -4 in shape [-4, 2] is not supported (node 'r4', op 'reshape')");
    assertShapeError(Symbol.create("reshape", "r5", Map.of("shape", "(0, 0, 0)"), X), Map.of("x", Shape.of(2, 3)),
        "shape inference failed: reshape: 0 at position 2 copies a dimension [2, 3] lacks (node 'r5', op 'reshape')");
    assertShapeError(Symbol.create("reshape", "r6", Map.of("shape", "(-3, -3)"), X), Map.of("x", Shape.of(2, 3)),
        "shape inference failed: reshape: -3 at position 1 needs two dimensions of [2, 3] (node 'r6', op 'reshape')");
    assertShapeError(Symbol.create("transpose", "t", Map.of("axes", "(0, 0)"), X), Map.of("x", Shape.of(2, 3)),
        "shape inference failed: transpose: axes [0, 0] repeat 0 (node 't', op 'transpose')");
    assertShapeError(Symbol.create("transpose", "t2", Map.of("axes", "(0,)"), X), Map.of("x", Shape.of(2, 3)),
        "shape inference failed: transpose: axes [0] for rank 2 (node 't2', op 'transpose')");
    assertShapeError(Symbol.create("concatenate", "c", Map.of("axis", "1"), X, y), Map.of("x", Shape.of(2, 3), "y", Shape.of(3, 3)),
        "shape inference failed: concatenate: input 0 has shape [2, 3] but input 1 has [3, 3] (dimension 0 differs) (node 'c', op 'concatenate')");
    assertShapeError(Symbol.create("concatenate", "c2", Map.of("axis", "0"), X, y), Map.of("x", Shape.of(2, 3), "y", Shape.of(3)),
        "shape inference failed: concatenate: input 0 has shape [2, 3] but input 1 has [3] (node 'c2', op 'concatenate')");
    assertShapeError(Symbol.create("concatenate", "c3", Map.of("axis", "2"), X, y), Map.of("x", Shape.of(2, 3), "y", Shape.of(2, 3)),
        "shape inference failed: axis 2 is out of range for rank 2 (node 'c3', op 'concatenate')");
    assertShapeError(Symbol.create("expand_dims", "e", Map.of("axis", "4"), X), Map.of("x", Shape.of(2, 3)),
        "shape inference failed: expand_dims: axis 4 is out of range for rank 2 (node 'e', op 'expand_dims')");
    assertShapeError(Symbol.create("squeeze", "s", Map.of("axis", "(0,)"), X), Map.of("x", Shape.of(2, 3)),
        "shape inference failed: squeeze: dimension 0 of [2, 3] is not 1 (node 's', op 'squeeze')");
    assertShapeError(Symbol.create("flatten", "f", Map.of(), X), Map.of("x", Shape.scalar()),
        "shape inference failed: flatten: a scalar has no first dimension (node 'f', op 'flatten')");
    assertShapeError(Symbol.create("softmax", "sm", Map.of("axis", "3"), X), Map.of("x", Shape.of(2, 3)),
        "shape inference failed: axis 3 is out of range for rank 2 (node 'sm', op 'softmax')");
  }
}
