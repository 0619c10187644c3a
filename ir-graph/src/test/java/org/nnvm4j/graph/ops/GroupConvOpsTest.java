package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.graph.ops.NnOpsTest.assertClose;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.util.LinkedHashMap;
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
 * The generic compute of {@code group_conv2d_NCHWc} in the TIR interpreter against grouped {@code conv2d} on the NCHW
 * arrays, operands and result converted by {@code layout_transform}: data blocks that hold several groups or part of one,
 * weight blocks of 4 to 16, output blocks of one or several weight blocks, strides, padding, dilation, bias; and its
 * shape errors. Tolerance as {@link NnOpsTest#assertClose}.
 */
class GroupConvOpsTest {
  private static NDArray transform(NDArray x, String from, String to) {
    return run("layout_transform", Map.of("src_layout", from, "dst_layout", to), x);
  }

  @ParameterizedTest(name = "c{0}/{1} {2}x{3} o{4} w{5}i{6}o out{7} k{8} s{9} p{10} d{11} g{12}")
  @CsvSource({
      "16,16,6,6,16,4,4,16,3,1,1,1,4",
      "12,4,7,5,10,6,5,5,3,2,1,1,2",
      "24,8,5,6,48,4,8,16,1,1,0,1,2",
      "18,6,8,7,12,3,4,4,3,1,2,2,3",
      "32,32,5,5,32,1,1,8,3,1,1,1,32"})
  void matchesGroupedConv2dOnNchw(int c, int ib, int h, int w, int oc, int kib, int ob, int outBlock, int k, int s, int p, int d, int g) {
    NDArray x = random(1, 2, c, h, w), wt = random(2, oc, c / g, k, k), b = random(3, oc);
    Map<String, String> conv = new LinkedHashMap<>(Map.of("channels", "" + oc, "kernel_size", "(" + k + ", " + k + ")",
        "strides", "(" + s + ", " + s + ")", "padding", "(" + p + ", " + p + ")", "dilation", "(" + d + ", " + d + ")", "groups", "" + g));
    NDArray want = transform(run("conv2d", conv, x, wt, b), "NCHW", "NCHW" + outBlock + "c");
    Map<String, String> blocked = new LinkedHashMap<>(conv);
    blocked.put("layout", "NCHW" + ib + "c");
    blocked.put("kernel_layout", "OIHW" + kib + "i" + ob + "o");
    blocked.put("out_layout", "NCHW" + outBlock + "c");
    NDArray got = run("group_conv2d_NCHWc", blocked, transform(x, "NCHW", "NCHW" + ib + "c"),
        transform(wt, "OIHW", "OIHW" + kib + "i" + ob + "o"), b);
    assertClose(got, want.shape(), want.toFloatArray());
  }

  @Test
  void shapeErrorsNameNodeOpAndLayouts() {
    Symbol x = Symbol.variable("x"), w = Symbol.variable("w");
    Map<String, String> a = new LinkedHashMap<>(Map.of("channels", "8", "kernel_size", "(3, 3)", "groups", "4", "layout", "NCHW8c",
        "kernel_layout", "OIHW2i4o", "out_layout", "NCHW8c", "use_bias", "False"));
    assertThatThrownBy(() -> InferShape.apply(Graph.create(Symbol.create("group_conv2d_NCHWc", "g", a, x, w)), Map.of("x", Shape.of(1, 1, 6, 6, 8))))
        .isInstanceOf(CompileException.class).hasMessage("shape inference failed: group_conv2d_NCHWc: kernel_layout OIHW2i4o does not block"
            + " the 2 input and 2 output channels per group (node 'g', op 'group_conv2d_NCHWc')");
    a.put("kernel_layout", "OIHW2i2o");
    a.put("out_layout", "NCHW3c");
    assertThatThrownBy(() -> InferShape.apply(Graph.create(Symbol.create("group_conv2d_NCHWc", "g2", a, x, w)), Map.of("x", Shape.of(1, 1, 6, 6, 8))))
        .hasMessage("shape inference failed: group_conv2d_NCHWc: out_layout NCHW3c does not block the 8 output channels (node 'g2', op"
            + " 'group_conv2d_NCHWc')");
    a.put("out_layout", "NCHW8c");
    assertThatThrownBy(() -> InferShape.apply(Graph.create(Symbol.create("group_conv2d_NCHWc", "g3", a, x, w)),
        Map.of("x", Shape.of(1, 1, 6, 6, 8), "w", Shape.of(4, 1, 3, 3, 2, 4))))
        .hasMessage("shape inference failed: input 1 (weight) has shape [4, 1, 3, 3, 2, 4] but [4, 1, 3, 3, 2, 2] is expected (node 'g3',"
            + " op 'group_conv2d_NCHWc')");
    assertThatThrownBy(() -> Symbol.create("group_conv2d_NCHWc", "g4", Map.of("channels", "8", "kernel_size", "(3, 3)", "groups", "4",
        "layout", "NCHW", "kernel_layout", "OIHW2i2o", "out_layout", "NCHW8c"), x, w)).isInstanceOf(CompileException.class)
        .hasMessageStartingWith("op group_conv2d_NCHWc attribute 'layout' = 'NCHW': expected NCHW followed by blocked c");
  }
}
