package org.nnvm4j.tensor.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.*;

class UnrollLoopTest {
  private final Var i = new Var("i", DType.I32);
  private final Var j = new Var("j", DType.I32);
  private final Buffer b = Buffer.of("B", DType.I32, List.of(IrOps.i32(64)));

  private static Expr c(long v) { return IrOps.i32(v); }

  @Test
  void markedLoopBecomesOneCopyPerIteration() {
    Stmt s = new For(i, c(1), c(3), ForKind.UNROLLED, new BufferStore(b, i, List.of(new Mul(i, c(2)))));
    assertThat(TirPrinter.print(UnrollLoop.apply(s, UnrollLoop.Config.DEFAULT))).isEqualTo("""
        B[(1 * 2)] = 1
        B[(2 * 2)] = 2
        B[(3 * 2)] = 3
        """);
  }

  @Test
  void autoUnrollTakesNestsUpToTheStepLimit() {
    Stmt inner = new For(j, c(0), c(2), ForKind.SERIAL, new BufferStore(b, j, List.of(new Add(new Mul(i, c(2)), j))));
    Stmt nest = new For(i, c(0), c(3), ForKind.SERIAL, inner);
    Stmt six = UnrollLoop.apply(nest, new UnrollLoop.Config(6, true));
    assertThat(TirPrinter.print(six)).doesNotContain("for").contains("B[((2 * 2) + 1)] = 1");
    Stmt four = UnrollLoop.apply(nest, new UnrollLoop.Config(4, true));
    assertThat(TirPrinter.print(four)).isEqualTo("""
        for (i, 0, 3) {
          B[((i * 2) + 0)] = 0
          B[((i * 2) + 1)] = 1
        }
        """);
    assertThat(UnrollLoop.apply(nest, UnrollLoop.Config.DEFAULT)).isSameAs(nest);
  }

  @Test
  void explicitUnrollOffKeepsMarkedLoopsAndSymbolicExtentsStay() {
    Stmt marked = new For(i, c(0), c(3), ForKind.UNROLLED, new BufferStore(b, i, List.of(i)));
    assertThat(UnrollLoop.apply(marked, new UnrollLoop.Config(0, false))).isSameAs(marked);
    Var n = Var.sizeVar("n", DType.I32);
    Stmt symbolic = new For(i, c(0), n, ForKind.UNROLLED, new BufferStore(b, i, List.of(i)));
    assertThat(UnrollLoop.apply(symbolic, UnrollLoop.Config.DEFAULT)).isSameAs(symbolic);
    assertThatThrownBy(() -> new UnrollLoop.Config(-1, true)).hasMessageContaining("autoMaxStep");
  }
}
