package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;

/** The x86 conv2d compute and AlterOpLayout take NCHW only: an NHWC conv2d keeps the generic compute and its layout. */
class X86NhwcGuardTest {
  @Test
  void nhwcConvIsLeftToTheGenericCompute() {
    Map<String, String> nhwc = Map.of("channels", "16", "kernel_size", "(3, 3)", "padding", "(1, 1)", "layout", "NHWC",
        "kernel_layout", "HWIO", "use_bias", "False");
    assertThat(X86Computes.alterOpLayout("conv2d", nhwc, List.of(Shape.of(1, 14, 14, 32), Shape.of(3, 3, 32, 16)),
        List.of(DType.F32, DType.F32))).isEmpty();
    Tensor x = Te.placeholder(Te.shape(1, 14, 14, 32), DType.F32, "x");
    Tensor w = Te.placeholder(Te.shape(3, 3, 32, 16), DType.F32, "w");
    assertThat(X86Computes.compute("conv2d", nhwc, List.of(x, w))).isEmpty();
    // The same conv in NCHW still gets the x86 compute and the NCHWc proposal.
    Map<String, String> nchw = Map.of("channels", "16", "kernel_size", "(3, 3)", "padding", "(1, 1)", "use_bias", "False");
    assertThat(X86Computes.alterOpLayout("conv2d", nchw, List.of(Shape.of(1, 32, 14, 14), Shape.of(16, 32, 3, 3)),
        List.of(DType.F32, DType.F32))).isPresent();
    assertThat(X86Computes.compute("conv2d", nchw, List.of(Te.placeholder(Te.shape(1, 32, 14, 14), DType.F32, "x"),
        Te.placeholder(Te.shape(16, 32, 3, 3), DType.F32, "w")))).isPresent();
  }
}
