package org.nnvm4j.tensor.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.tir.*;

class LoopPartitionTest {
  private final Var io = new Var("i.outer", DType.I32);
  private final Var ii = new Var("i.inner", DType.I32);
  private final Var j = new Var("j", DType.I32);
  private final Buffer b = Buffer.of("B", DType.I32, List.of(IrOps.i32(64)));

  private static Expr c(long v) { return IrOps.i32(v); }

  /** The contents of B after running {@code body} on a zeroed B. */
  private int[] run(Stmt body) {
    try (NDArray out = NDArray.allocate(DType.I32, Shape.of(64))) {
      Interpreter.run(new PrimFunc("f", List.of(b), List.of(), body, Map.of()), List.of(out));
      return out.toIntArray();
    }
  }

  private Expr index() { return new Add(new Mul(io, c(4)), ii); }

  @Test
  void nonDivisibleSplitBecomesAGuardFreeMainLoopAndAGuardedTail() {
    Stmt store = new BufferStore(b, c(1), List.of(index()));
    Stmt before = new For(io, c(0), c(3), ForKind.SERIAL, new For(ii, c(0), c(4), ForKind.SERIAL,
        new IfThenElse(new LT(index(), c(10)), store, null)));
    assertThat(TirPrinter.print(LoopPartition.apply(before))).isEqualTo("""
        for (i.outer, 0, 2) {
          for (i.inner, 0, 4) {
            B[((i.outer * 4) + i.inner)] = 1
          }
        }
        for (i.outer, 2, 1) {
          for (i.inner, 0, 2) {
            B[((i.outer * 4) + i.inner)] = 1
          }
          for (i.inner, 2, 2) {
            if ((((i.outer * 4) + i.inner) < 10)) {
              B[((i.outer * 4) + i.inner)] = 1
            }
          }
        }
        """);
    assertThat(run(LoopPartition.apply(before))).containsExactly(run(before));
  }

  @Test
  void onlyTheProvenTermOfAConjunctionIsDropped() {
    Expr other = new LT(j, c(5));
    Stmt store = new BufferStore(b, new Add(new BufferLoad(b, List.of(index())), new Add(j, c(1))), List.of(index()));
    Stmt before = new For(j, c(0), c(6), ForKind.SERIAL, new For(io, c(0), c(3), ForKind.SERIAL,
        new For(ii, c(0), c(4), ForKind.SERIAL, new IfThenElse(new And(other, new LT(index(), c(10))), store, null))));
    String after = TirPrinter.print(LoopPartition.apply(before));
    assertThat(after).contains("for (j, 0, 5)").contains("for (j, 5, 1)").contains("for (i.outer, 2, 1)");
    assertThat(after.substring(0, after.indexOf("for (i.outer, 2, 1)"))).doesNotContain("if (");
    assertThat(run(LoopPartition.apply(before))).containsExactly(run(before));
  }

  @Test
  void guardsThatNoIterationProvesAndSymbolicLoopsAreLeftAlone() {
    Var n = Var.sizeVar("n", DType.I32);
    Stmt store = new BufferStore(b, c(1), List.of(index()));
    Stmt symbolic = new For(io, c(0), n, ForKind.SERIAL, new For(ii, c(0), c(4), ForKind.SERIAL,
        new IfThenElse(new LT(index(), n), store, null)));
    assertThat(LoopPartition.apply(symbolic)).isSameAs(symbolic);
    Stmt never = new For(io, c(0), c(3), ForKind.SERIAL, new For(ii, c(0), c(4), ForKind.SERIAL,
        new IfThenElse(new LT(index(), c(2)), store, null)));
    assertThat(LoopPartition.apply(never)).isSameAs(never);
  }
}
