package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * depthwise_conv2d_NCHWc in the interpreter against the generic depthwise conv2d (groups = input channels)
 * on the unpacked operands, over odd sizes, blocks, strides, padding, dilation, channel multipliers, with and
 * without bias (tolerance of {@link NnOpsTest}); and its shape and layout errors.
 */
class BlockedDepthwiseOpsTest {
  private static NDArray transform(NDArray x, String src, String dst) {
    return run("layout_transform", Map.of("src_layout", src, "dst_layout", dst), x);
  }

  private static String pair(int a) { return "(" + a + ", " + a + ")"; }

  @ParameterizedTest(name = "n{0} c{1} {2}x{3} m{4} k{5} s{6} p{7} d{8} ib{9} ob{10} bias={11}")
  @CsvSource({"1,8,7,7,1,3,1,1,1,4,4,true", "2,6,9,5,1,3,2,1,1,3,3,true", "1,16,6,6,1,3,1,0,1,16,16,false",
      "1,4,11,10,1,5,2,2,1,2,4,true", "1,3,8,8,2,3,1,2,2,3,6,true", "1,4,5,7,3,2,1,0,1,4,12,false", "1,5,1,1,1,3,1,1,1,5,5,true"})
  void equalsDepthwiseConv2dOnUnpackedOperands(int n, int c, int h, int wd, int mult, int k, int s, int p, int d, int ib, int ob,
      boolean bias) {
    int o = c * mult;
    NDArray x = random(4, n, c, h, wd), w = random(5, o, 1, k, k), b = random(6, o);
    Map<String, String> conv = new HashMap<>(Map.of("channels", "" + o, "kernel_size", pair(k), "strides", pair(s), "padding", pair(p),
        "dilation", pair(d), "use_bias", bias ? "True" : "False"));
    NDArray want = bias ? run("conv2d", withGroups(conv, c), x, w, b) : run("conv2d", withGroups(conv, c), x, w);
    conv.putAll(Map.of("layout", "NCHW" + ib + "c", "kernel_layout", "OIHW1i" + ob + "o", "out_layout", "NCHW" + ob + "c"));
    NDArray bx = transform(x, "NCHW", "NCHW" + ib + "c"), bw = transform(w, "OIHW", "OIHW1i" + ob + "o");
    NDArray got = bias ? run("depthwise_conv2d_NCHWc", conv, bx, bw, b) : run("depthwise_conv2d_NCHWc", conv, bx, bw);
    assertThat(got.shape()).isEqualTo(Shape.of(want.shape().dim(0), o / ob, want.shape().dim(2), want.shape().dim(3), ob));
    NnOpsTest.assertClose(transform(got, "NCHW" + ob + "c", "NCHW"), want.shape(), want.toFloatArray());
  }

  private static Map<String, String> withGroups(Map<String, String> attrs, int groups) {
    Map<String, String> a = new HashMap<>(attrs);
    a.put("groups", Integer.toString(groups));
    return a;
  }

  private static Graph infer(Map<String, String> attrs, Shape data, Shape weight) {
    Map<String, String> a = new HashMap<>(Map.of("channels", "8", "kernel_size", "(3, 3)", "padding", "(1, 1)", "use_bias", "False",
        "layout", "NCHW4c", "kernel_layout", "OIHW1i4o", "out_layout", "NCHW4c"));
    a.putAll(attrs);
    return InferShape.apply(Graph.create(Symbol.create("depthwise_conv2d_NCHWc", "dw", a, Symbol.variable("x"), Symbol.variable("w"))),
        Map.of("x", data, "w", weight));
  }

  @Test
  void infersTheBlockedOutputShapeAndTheWeightShape() {
    Graph g = infer(Map.of("strides", "(2, 2)"), Shape.of(1, 2, 9, 8, 4), Shape.of(2, 1, 3, 3, 1, 4));
    Shape[] shapes = g.attr(Graph.SHAPE, Shape[].class);
    assertThat(shapes[shapes.length - 1]).isEqualTo(Shape.of(1, 2, 5, 4, 4));
    Graph m = InferShape.apply(Graph.create(Symbol.create("depthwise_conv2d_NCHWc", "dw", Map.of("channels", "16", "kernel_size", "(3, 3)",
        "use_bias", "False", "layout", "NCHW4c", "kernel_layout", "OIHW1i8o", "out_layout", "NCHW8c"), Symbol.variable("x"),
        Symbol.variable("w"))), Map.of("x", Shape.of(1, 2, 5, 5, 4)));
    assertThat(m.attr(Graph.SHAPE, Shape[].class)).contains(Shape.of(2, 1, 3, 3, 1, 8), Shape.of(1, 2, 3, 3, 8));
  }

  @Test
  void shapeAndLayoutErrorsNameTheNodeAndSayWhatIsWrong() {
    assertThatThrownBy(() -> infer(Map.of("channels", "6"), Shape.of(1, 2, 8, 8, 4), Shape.of(2, 1, 3, 3, 1, 4)))
        .isInstanceOf(CompileException.class)
        .hasMessageContaining("depthwise_conv2d_NCHWc: 6 channels are not a multiple of the 8 input channels")
        .hasMessageEndingWith("(node 'dw', op 'depthwise_conv2d_NCHWc')");
    assertThatThrownBy(() -> infer(Map.of("channels", "12", "kernel_layout", "OIHW1i8o", "out_layout", "NCHW8c"), Shape.of(1, 3, 8, 8, 4),
        Shape.of(2, 1, 3, 3, 1, 8))).hasMessageContaining("12 channels are not divisible by the block 8");
    assertThatThrownBy(() -> infer(Map.of("kernel_layout", "OIHW4i4o"), Shape.of(1, 2, 8, 8, 4), Shape.of(2, 2, 3, 3, 4, 4)))
        .hasMessageContaining("kernel_layout OIHW4i4o must block i by 1 and o by 4 (out_layout NCHW4c), e.g. OIHW1i4o");
    assertThatThrownBy(() -> infer(Map.of(), Shape.of(1, 2, 8, 8, 4), Shape.of(2, 1, 3, 3, 1, 8)))
        .hasMessageContaining("input 1 (weight) has shape [2, 1, 3, 3, 1, 8] but [2, 1, 3, 3, 1, 4] is expected");
    assertThatThrownBy(() -> infer(Map.of("padding", "(0, 0)", "kernel_size", "(5, 5)"), Shape.of(1, 2, 3, 3, 4), Shape.of(2, 1, 5, 5, 1, 4)))
        .hasMessageContaining("kernel 5x5 does not fit data [1, 2, 3, 3, 4]");
    assertThatThrownBy(() -> infer(Map.of(), Shape.of(1, 2, 8, 8, 2), Shape.of(2, 1, 3, 3, 1, 4)))
        .hasMessageContaining("depthwise_conv2d_NCHWc: data has shape [1, 2, 8, 8, 2]; expected NCHW4c");
    assertThatThrownBy(() -> Symbol.create("depthwise_conv2d_NCHWc", "dw", Map.of("channels", "8", "kernel_size", "3", "layout", "NCHW4c",
        "kernel_layout", "OIHW4o", "out_layout", "NCHW4c"), Symbol.variable("x"), Symbol.variable("w"), Symbol.variable("b")))
        .hasMessage("op depthwise_conv2d_NCHWc attribute 'kernel_layout' = 'OIHW4o': expected OIHW followed by blocked io, such as OIHW1i16o"
            + " (node 'dw', op 'depthwise_conv2d_NCHWc', attribute 'kernel_layout')");
  }
}
