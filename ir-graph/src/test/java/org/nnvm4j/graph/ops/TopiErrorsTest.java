package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.topi.Broadcast;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.Transform;

/** The messages the topi computes give to compiler writers who call them directly (graph inference catches these first). */
class TopiErrorsTest {
  private static Tensor t(String name, DType dtype, long... shape) { return Te.placeholder(Te.shape(shape), dtype, name); }

  @Test
  void broadcastChecksDtypesAndShapes() {
    assertThatThrownBy(() -> Broadcast.binary(t("a", DType.F32, 2, 3), t("b", DType.I32, 3), IrOps::add, "badd"))
        .isInstanceOf(CompileException.class).hasMessage("badd: operand dtypes float32 and int32 differ");
    assertThatThrownBy(() -> Broadcast.binary(t("a", DType.F32, 2, 3), t("b", DType.F32, 2), IrOps::add, "badd"))
        .hasMessage("badd: shapes [2, 3] and [2] do not broadcast");
    assertThatThrownBy(() -> Broadcast.binary(Te.placeholder(List.of(Te.var("n")), DType.F32, "a"), t("b", DType.F32, 2), IrOps::add,
        "badd")).hasMessage("badd: dimension 0 of a is symbolic; this compute needs constant shapes");
  }

  @Test
  void reshapeAndConvCheckTheirOperands() {
    assertThatThrownBy(() -> Transform.reshape(t("a", DType.F32, 2, 3), new long[] {4}, "reshape"))
        .hasMessage("reshape: cannot reshape [2, 3] into [4]");
    Conv2d.Params p = new Conv2d.Params(new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 2);
    assertThatThrownBy(() -> Conv2d.nchw(t("d", DType.F32, 1, 3, 4, 4), t("w", DType.F32, 4, 3, 1, 1), p, "conv2d"))
        .hasMessage("conv2d: data [1, 3, 4, 4] and weight [4, 3, 1, 1] do not fit groups=2");
  }
}
