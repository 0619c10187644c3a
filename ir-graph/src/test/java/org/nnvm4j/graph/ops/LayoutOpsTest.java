package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * layout_transform, conv2d_NCHWc and dense_pack in the interpreter against plain Java: the transform by
 * index arithmetic, the blocked ops against conv2d and dense on the unpacked operands (tolerance of
 * {@link NnOpsTest}); and the errors of bad layout strings and shapes.
 */
class LayoutOpsTest {
  private static NDArray transform(NDArray x, String src, String dst) {
    return run("layout_transform", Map.of("src_layout", src, "dst_layout", dst), x);
  }

  @Test
  void nchwToNchwcMovesEachChannelBlockInnermost() {
    NDArray x = random(1, 2, 12, 3, 5);
    float[] v = x.toFloatArray();
    float[] want = new float[v.length];
    for (int n = 0; n < 2; n++) {
      for (int c = 0; c < 12; c++) {
        for (int h = 0; h < 3; h++) {
          for (int w = 0; w < 5; w++) want[(((n * 3 + c / 4) * 3 + h) * 5 + w) * 4 + c % 4] = v[((n * 12 + c) * 3 + h) * 5 + w];
        }
      }
    }
    NnOpsTest.assertClose(transform(x, "NCHW", "NCHW4c"), Shape.of(2, 3, 3, 5, 4), want);
  }

  @ParameterizedTest(name = "{0} -> {1} -> NCHW")
  @CsvSource({"NCHW4c,NCHW2c", "NCHW12c,NCHW3c", "NCHW6c,NHWC", "NCHW1c,NCHW12c"})
  void blockedLayoutsRoundTripExactly(String a, String b) {
    NDArray x = random(2, 1, 12, 3, 7);
    NDArray back = transform(transform(transform(x, "NCHW", a), a, b), b, "NCHW");
    assertThat(back.shape()).isEqualTo(x.shape());
    assertThat(back.toFloatArray()).containsExactly(x.toFloatArray());
  }

  @Test
  void kernelPackingOihwToOihwIo() {
    NDArray w = random(3, 8, 6, 3, 2);
    float[] v = w.toFloatArray();
    float[] want = new float[v.length];
    for (int o = 0; o < 8; o++) {
      for (int i = 0; i < 6; i++) {
        for (int h = 0; h < 3; h++) {
          for (int x = 0; x < 2; x++) want[(((((o / 4) * 2 + i / 3) * 3 + h) * 2 + x) * 3 + i % 3) * 4 + o % 4] = v[((o * 6 + i) * 3 + h) * 2 + x];
        }
      }
    }
    NnOpsTest.assertClose(transform(w, "OIHW", "OIHW3i4o"), Shape.of(2, 2, 3, 2, 3, 4), want);
  }

  @ParameterizedTest(name = "n{0} c{1} {2}x{3} o{4} k{5} s{6} p{7} d{8} ib{9} ob{10}")
  @CsvSource({"1,4,5,5,8,3,1,1,1,4,8", "2,6,7,9,4,3,2,1,1,3,2", "1,3,6,5,3,1,1,0,1,3,3", "1,8,9,9,16,3,1,2,2,8,16",
      "1,2,4,3,6,2,2,0,1,1,3"})
  void conv2dNchwcEqualsConv2dOnUnpackedOperands(int n, int c, int h, int wd, int o, int k, int s, int p, int d, int ib, int ob) {
    NDArray x = random(4, n, c, h, wd), w = random(5, o, c, k, k), b = random(6, o);
    Map<String, String> conv = Map.of("channels", "" + o, "kernel_size", "(" + k + ", " + k + ")", "strides", "(" + s + ", " + s + ")",
        "padding", "(" + p + ", " + p + ")", "dilation", "(" + d + ", " + d + ")");
    NDArray want = run("conv2d", conv, x, w, b);
    Map<String, String> attrs = new java.util.HashMap<>(conv);
    attrs.putAll(Map.of("layout", "NCHW" + ib + "c", "kernel_layout", "OIHW" + ib + "i" + ob + "o", "out_layout", "NCHW" + ob + "c"));
    NDArray got = run("conv2d_NCHWc", attrs, transform(x, "NCHW", "NCHW" + ib + "c"), transform(w, "OIHW", "OIHW" + ib + "i" + ob + "o"), b);
    NnOpsTest.assertClose(transform(got, "NCHW" + ob + "c", "NCHW"), want.shape(), want.toFloatArray());
  }

  @ParameterizedTest(name = "units {0} block {1}")
  @CsvSource({"16,8", "12,3", "5,5", "8,1"})
  void densePackEqualsDense(int units, int block) {
    NDArray x = random(7, 3, 9), w = random(8, units, 9), b = random(9, units);
    NDArray want = run("dense", Map.of("units", "" + units), x, w, b);
    NDArray got = run("dense_pack", Map.of("units", "" + units, "weight_layout", "NK" + block + "n"), x,
        transform(w, "NK", "NK" + block + "n"), b);
    NnOpsTest.assertClose(got, want.shape(), want.toFloatArray());
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = ';', value = {"max_pool2d;pool_size=(3, 3),strides=(2, 2),padding=(1, 1)",
      "avg_pool2d;pool_size=(2, 3),strides=(1, 2),padding=(1, 1),count_include_pad=False",
      "avg_pool2d;pool_size=(3, 3),strides=(2, 2),ceil_mode=True", "global_max_pool2d;", "global_avg_pool2d;"})
  void poolingOnNchwcEqualsPoolingOnNchw(String op, String attrText) {
    Map<String, String> attrs = new java.util.HashMap<>();
    if (attrText != null) {
      for (String kv : attrText.split(",(?![^(]*\\))")) attrs.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    NDArray x = random(10, 2, 8, 7, 9);
    NDArray want = run(op, attrs, x);
    attrs.put("layout", "NCHW4c");
    NDArray got = run(op, attrs, transform(x, "NCHW", "NCHW4c"));
    NnOpsTest.assertClose(transform(got, "NCHW4c", "NCHW"), want.shape(), want.toFloatArray());
  }

  @ParameterizedTest
  @ValueSource(strings = {"NCHW16", "NCHWc", "NCHW0c", "NCCHW", "NCHW16x", "NC-HW", "NCHW99999999999c", ""})
  void badLayoutStringsNameNodeOpAndAttribute(String layout) {
    assertThatThrownBy(() -> Symbol.create("layout_transform", "lt", Map.of("src_layout", "NCHW", "dst_layout", layout), Symbol.variable("x")))
        .isInstanceOf(CompileException.class)
        .hasMessageStartingWith("op layout_transform attribute 'dst_layout' = '" + layout + "': ")
        .hasMessageEndingWith("(node 'lt', op 'layout_transform', attribute 'dst_layout')");
  }

  @Test
  void layoutErrorsSayWhatIsWrong() {
    assertThatThrownBy(() -> Symbol.create("layout_transform", "lt", Map.of("src_layout", "NCHW", "dst_layout", "NCHW16"), Symbol.variable("x")))
        .hasMessageContaining("layout 'NCHW16' ends with a factor without its axis");
    assertThatThrownBy(() -> Symbol.create("layout_transform", "lt", Map.of("src_layout", "NCHWc", "dst_layout", "NCHW"), Symbol.variable("x")))
        .hasMessageContaining("sub-axis 'c' needs a factor, e.g. 16c");
    assertThatThrownBy(() -> Symbol.create("layout_transform", "lt", Map.of("src_layout", "NCHW", "dst_layout", "NCHW4x"), Symbol.variable("x")))
        .hasMessageContaining("has sub-axis 'x' but no primal axis 'X'");
    assertThatThrownBy(() -> Symbol.create("conv2d_NCHWc", "c", Map.of("channels", "8", "kernel_size", "3", "layout", "NCHW4c",
        "kernel_layout", "OIHW4o4i", "out_layout", "NCHW4c"), Symbol.variable("x"), Symbol.variable("w"), Symbol.variable("b")))
        .hasMessage("op conv2d_NCHWc attribute 'kernel_layout' = 'OIHW4o4i': expected OIHW followed by blocked io, such as OIHW8i16o"
            + " (node 'c', op 'conv2d_NCHWc', attribute 'kernel_layout')");
  }

  private static Graph infer(String src, String dst, Shape shape) {
    return InferShape.apply(Graph.create(Symbol.create("layout_transform", "lt", Map.of("src_layout", src, "dst_layout", dst),
        Symbol.variable("x"))), Map.of("x", shape));
  }

  @Test
  void shapeErrorsNameTheNode() {
    assertThatThrownBy(() -> infer("NCHW", "NCHW4c", Shape.of(1, 6, 2, 2))).isInstanceOf(CompileException.class)
        .hasMessage("shape inference failed: layout NCHW4c: axis 'C' of extent 6 is not divisible by its factor 4 (node 'lt', op 'layout_transform')");
    assertThatThrownBy(() -> infer("NCHW", "OIHW", Shape.of(1, 6, 2, 2)))
        .hasMessageContaining("layouts NCHW and OIHW do not have the same primal axes (NCHW vs OIHW)");
    assertThatThrownBy(() -> infer("NCHW4c", "NCHW", Shape.of(1, 6, 2, 2, 3)))
        .hasMessageContaining("layout NCHW4c: axis 'c' of shape [1, 6, 2, 2, 3] has extent 3, not its factor 4");
    assertThatThrownBy(() -> infer("NCHW", "NCHW2c", Shape.of(6, 2, 2))).hasMessageContaining("layout NCHW has 4 axes but the tensor has shape [6, 2, 2]");
    assertThatThrownBy(() -> InferShape.apply(Graph.create(Symbol.create("max_pool2d", "mp", Map.of("pool_size", "2", "layout", "NCHW8c"),
        Symbol.variable("x"))), Map.of("x", Shape.of(1, 2, 4, 4, 4))))
        .hasMessage("shape inference failed: max_pool2d: data has shape [1, 2, 4, 4, 4]; expected NCHW8c (node 'mp', op 'max_pool2d')");
    assertThat(infer("NCHW", "NCHW2c", Shape.of(1, 6, 3, 5)).attr(Graph.SHAPE, Shape[].class)[1]).isEqualTo(Shape.of(1, 3, 3, 5, 2));
  }
}
