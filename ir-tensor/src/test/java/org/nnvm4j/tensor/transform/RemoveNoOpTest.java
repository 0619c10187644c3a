package org.nnvm4j.tensor.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.*;

class RemoveNoOpTest {
  private final Var i = new Var("i", DType.I32);
  private final Buffer b = Buffer.of("B", DType.I32, List.of(IrOps.i32(8)));
  private final Stmt empty = new SeqStmt(List.of());

  private static Expr c(long v) { return IrOps.i32(v); }

  @Test
  void removesEmptyLoopsIfsSelfStoresAndConstantEvaluations() {
    Stmt keep = new BufferStore(b, c(1), List.of(i));
    Stmt before = new For(i, c(0), c(8), ForKind.SERIAL, SeqStmt.of(
        new For(new Var("j", DType.I32), c(0), c(4), ForKind.SERIAL, empty),
        new IfThenElse(new LT(i, c(4)), empty, empty),
        new BufferStore(b, new BufferLoad(b, List.of(i)), List.of(i)),
        new Evaluate(c(0)),
        new IfThenElse(new LT(i, c(2)), empty, keep)));
    assertThat(TirPrinter.print(RemoveNoOp.apply(before))).isEqualTo("""
        for (i, 0, 8) {
          if (!(i < 2)) {
            B[i] = 1
          }
        }
        """);
  }

  @Test
  void aLoopOfNothingButNoOpsDisappearsAndRealWorkStaysTheSameInstance() {
    Stmt allNoOps = new Allocate(b, new For(i, c(0), c(8), ForKind.SERIAL,
        new BufferStore(b, new BufferLoad(b, List.of(i)), List.of(i))));
    assertThat(RemoveNoOp.isNoOp(RemoveNoOp.apply(allNoOps))).isTrue();
    Stmt work = new For(i, c(0), c(8), ForKind.SERIAL, new BufferStore(b, new BufferLoad(b, List.of(c(0))), List.of(i)));
    assertThat(RemoveNoOp.apply(work)).isSameAs(work);
  }
}
