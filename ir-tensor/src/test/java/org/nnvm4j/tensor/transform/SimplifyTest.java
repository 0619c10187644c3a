package org.nnvm4j.tensor.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.*;

class SimplifyTest {
  private final Var i = new Var("i", DType.I32);
  private final Var j = new Var("j", DType.I32);
  private final Var io = new Var("i.outer", DType.I32);
  private final Var ii = new Var("i.inner", DType.I32);
  private final Buffer b = Buffer.of("B", DType.I32, List.of(IrOps.i32(64)));

  private static Expr c(long v) { return IrOps.i32(v); }

  private static String s(Expr e) { return TirPrinter.print(Simplify.apply(e)); }

  /** {@code for (i.outer, 0, 4) for (i.inner, 0, 4) body}. */
  private Stmt loops(Stmt body) {
    return new For(io, c(0), c(4), ForKind.SERIAL, new For(ii, c(0), c(4), ForKind.SERIAL, body));
  }

  @Test
  void combinesConstantsOfLinearExpressions() {
    assertThat(s(new Add(new Add(new Mul(i, c(4)), c(2)), c(1)))).isEqualTo("((i * 4) + 3)");
    assertThat(s(new Sub(new Add(i, c(5)), new Add(i, c(2))))).isEqualTo("3");
    assertThat(s(new Mul(new Add(i, c(1)), c(3)))).isEqualTo("((i * 3) + 3)");
    assertThat(s(new Sub(new Mul(j, c(2)), new Mul(i, c(3))))).isEqualTo("((j * 2) - (i * 3))");
  }

  @Test
  void dropsIdentitiesAndFoldsConstants() {
    assertThat(s(new Mul(i, c(1)))).isEqualTo("i");
    assertThat(s(new Add(c(0), i))).isEqualTo("i");
    assertThat(s(new Mul(new Add(c(2), c(3)), new Sub(c(10), c(3))))).isEqualTo("35");
    Var f = new Var("f", DType.F32);
    assertThat(s(new Mul(new Add(f, IrOps.f32(0)), IrOps.f32(1)))).isEqualTo("f");
    assertThat(s(new Add(IrOps.f32(1.5), IrOps.f32(2)))).isEqualTo("3.5f");
    assertThat(s(new FloorDiv(c(-7), c(2)))).isEqualTo("-4");
    assertThat(s(new Select(new LT(c(1), c(2)), i, j))).isEqualTo("i");
  }

  @Test
  void divisionByConstantsUsesLoopBounds() {
    Expr flat = new Add(new Mul(io, c(4)), ii);
    Stmt body = loops(SeqStmt.of(
        new BufferStore(b, new FloorDiv(flat, c(4)), List.of(flat)),
        new BufferStore(b, new FloorMod(flat, c(4)), List.of(new Add(flat, c(16)))),
        new BufferStore(b, new FloorDiv(new Add(flat, c(2)), c(8)), List.of(new Add(flat, c(32)))),
        new BufferStore(b, new Div(ii, c(5)), List.of(new Add(flat, c(48))))));
    assertThat(TirPrinter.print(Simplify.apply(body))).isEqualTo("""
        for (i.outer, 0, 4) {
          for (i.inner, 0, 4) {
            B[((i.outer * 4) + i.inner)] = i.outer
            B[(((i.outer * 4) + i.inner) + 16)] = i.inner
            B[(((i.outer * 4) + i.inner) + 32)] = floordiv((((i.outer * 4) + i.inner) + 2), 8)
            B[(((i.outer * 4) + i.inner) + 48)] = 0
          }
        }
        """);
  }

  @Test
  void floorDivTimesDivisorPlusFloorModIsTheDividend() {
    Expr x = new Add(i, j);
    Expr e = new Add(new Mul(new FloorDiv(x, c(5)), c(10)), new Mul(new FloorMod(x, c(5)), c(2)));
    assertThat(s(new Sub(e, c(1)))).isEqualTo("(((i * 2) + (j * 2)) - 1)");
  }

  @Test
  void divisionOfUnboundedExpressionsIsKept() {
    assertThat(s(new FloorDiv(new Add(new Mul(i, c(4)), j), c(4)))).isEqualTo("floordiv(((i * 4) + j), 4)");
  }

  @Test
  void removesBranchesProvedByLoopBounds() {
    Expr flat = new Add(new Mul(io, c(4)), ii);
    Stmt always = loops(new IfThenElse(new LT(flat, c(16)), new BufferStore(b, c(1), List.of(flat)), null));
    assertThat(TirPrinter.print(Simplify.apply(always))).isEqualTo("""
        for (i.outer, 0, 4) {
          for (i.inner, 0, 4) {
            B[((i.outer * 4) + i.inner)] = 1
          }
        }
        """);
    Stmt never = loops(new IfThenElse(new GE(flat, c(16)), new BufferStore(b, c(1), List.of(flat)),
        new BufferStore(b, c(2), List.of(flat))));
    assertThat(TirPrinter.print(Simplify.apply(never))).contains("B[((i.outer * 4) + i.inner)] = 2").doesNotContain("if");
    Stmt dead = new For(i, c(0), c(8), ForKind.SERIAL,
        new IfThenElse(new LT(i, c(0)), new BufferStore(b, c(1), List.of(i)), null));
    assertThat(TirPrinter.print(Simplify.apply(dead))).isEmpty();
    Stmt kept = loops(new IfThenElse(new LT(flat, c(10)), new BufferStore(b, c(1), List.of(flat)), null));
    assertThat(Simplify.apply(kept)).isSameAs(kept);
  }

  @Test
  void unchangedInputIsReturnedAsIs() {
    Expr e = new Add(new Mul(i, c(4)), j);
    assertThat(Simplify.apply(e)).isSameAs(e);
  }

  @Test
  void isRegisteredAndRunsInTheLoweringPipeline() {
    assertThat(Simplify.INFO.name()).isEqualTo("tir.simplify");
    assertThat(new TirPassProvider().passes()).extracting(p -> p.info().name()).contains("tir.simplify");
    assertThat(TirPipeline.build().passes()).extracting(p -> p.info().name())
        .containsExactly("tir.flatten-storage", "tir.loop-partition", "tir.vectorize-loop", "tir.unroll-loop",
            "tir.simplify", "tir.storage-rewrite", "tir.remove-no-op");
  }
}
