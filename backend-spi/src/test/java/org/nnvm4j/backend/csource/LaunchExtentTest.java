package org.nnvm4j.backend.csource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Var;

/** Launch extents: from TIR, evaluated per call, and as manifest text. */
class LaunchExtentTest {
  private final Var n = new Var("n", DType.I32);
  private final Var m = new Var("m", DType.I32);

  @Test
  void aCeilDivisionOfTheShapeVariableEvaluatesPerCall() {
    LaunchExtent e = LaunchExtent.of(IrOps.floorDiv(IrOps.add(n, IrOps.i32(255)), IrOps.i32(256)), List.of(m, n));
    assertThat(e.toText()).isEqualTo("$1 255 + 256 fdiv");
    assertThat(e.eval(new long[] {0, 1})).isEqualTo(1);
    assertThat(e.eval(new long[] {0, 256})).isEqualTo(1);
    assertThat(e.eval(new long[] {0, 65_539})).isEqualTo(257);
    assertThat(LaunchExtent.parse(e.toText())).isEqualTo(e);
  }

  @Test
  void minMaxModAndCastsAreInteger() {
    LaunchExtent e = LaunchExtent.of(IrOps.cast(DType.I64, IrOps.max(IrOps.floorMod(n, IrOps.i32(7)), IrOps.min(m, IrOps.i32(3)))),
        List.of(n, m));
    assertThat(e.eval(new long[] {20, 10})).isEqualTo(6);
    assertThat(e.eval(new long[] {14, 1})).isEqualTo(1);
  }

  @Test
  void aLoopVariableInAnExtentIsRejected() {
    Var i = new Var("i", DType.I32);
    assertThatThrownBy(() -> LaunchExtent.of(IrOps.add(i, n), List.of(n))).isInstanceOf(CompileException.class)
        .hasMessageContaining("variable 'i' is not a scalar parameter of the function");
  }

  @Test
  void malformedTextNamesTheProblem() {
    assertThatThrownBy(() -> LaunchExtent.parse("$0 +")).isInstanceOf(CompileException.class)
        .hasMessageContaining("bad launch extent '$0 +': operator + lacks operands");
    assertThatThrownBy(() -> LaunchExtent.parse("1 2")).isInstanceOf(CompileException.class)
        .hasMessageContaining("leaves 2 values");
    assertThatThrownBy(() -> LaunchExtent.parse("x")).isInstanceOf(CompileException.class)
        .hasMessageContaining("unknown token 'x'");
  }
}
