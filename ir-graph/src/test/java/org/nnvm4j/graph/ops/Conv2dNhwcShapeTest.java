package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;

/** conv2d shape inference in NHWC / HWIO, and the errors for unpaired layouts and wrong weights. */
class Conv2dNhwcShapeTest {
  static Map<String, String> attrs(String layout, String kernel) {
    return Map.of("channels", "12", "kernel_size", "(3, 1)", "strides", "(2, 1)", "padding", "(1, 0)", "groups", "3", "layout", layout,
        "kernel_layout", kernel, "use_bias", "True");
  }

  @Test
  void infersNhwcOutputAndChecksTheHwioWeight() {
    Symbol x = Symbol.variable("x");
    Symbol w = Symbol.variable("w");
    Symbol b = Symbol.variable("b");
    Shape[] s = VisionDetectOpsTest.shapes(Symbol.create("conv2d", "c", attrs("NHWC", "HWIO"), x, w, b),
        Map.of("x", Shape.of(2, 9, 5, 6), "w", Shape.of(3, 1, 2, 12), "b", Shape.of(12)));
    assertThat(s[s.length - 1]).isEqualTo(Shape.of(2, 5, 5, 12));
    assertThatThrownBy(() -> VisionDetectOpsTest.shapes(Symbol.create("conv2d", "c2", attrs("NHWC", "HWIO"), x, w, b),
        Map.of("x", Shape.of(2, 9, 5, 6), "w", Shape.of(12, 2, 3, 1), "b", Shape.of(12))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'c2'").hasMessageContaining("weight");
    assertThatThrownBy(() -> VisionDetectOpsTest.shapes(Symbol.create("conv2d", "c3", attrs("NHWC", "OIHW"), x, w, b),
        Map.of("x", Shape.of(2, 9, 5, 6), "w", Shape.of(3, 1, 2, 12), "b", Shape.of(12))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'c3'")
        .hasMessageContaining("attribute kernel_layout OIHW does not pair with layout NHWC");
    assertThatThrownBy(() -> Symbol.create("conv2d", "c4", attrs("NCHW16c", "HWIO"), x, w, b))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'layout'");
  }
}
