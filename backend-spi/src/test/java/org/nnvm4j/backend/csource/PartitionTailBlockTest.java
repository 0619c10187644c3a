package org.nnvm4j.backend.csource;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.IfThenElse;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.TirPrinter;
import org.nnvm4j.tensor.tir.Var;

/** The block-uniform fast path of a split's tail guard, and the guards it leaves alone. */
class PartitionTailBlockTest {
  private final Var n = new Var("n", DType.I32);
  private final Var bx = new Var("bx", DType.I32);
  private final Var tx = new Var("tx", DType.I32);
  private final Buffer c = Buffer.of("C", DType.F32, List.of(n));

  private Stmt nest(Stmt inner, String innerTag) {
    return new For(bx, IrOps.i32(0), n, ForKind.THREAD_BINDING, "blockIdx.x",
        new For(tx, IrOps.i32(0), IrOps.i32(64), innerTag.isEmpty() ? ForKind.SERIAL : ForKind.THREAD_BINDING, innerTag, inner));
  }

  private Stmt guarded(org.nnvm4j.tensor.tir.Expr cond) {
    return new IfThenElse(cond, new BufferStore(c, IrOps.f32(1), List.of(IrOps.add(IrOps.mul(bx, IrOps.i32(64)), tx))), null);
  }

  @Test
  void theSplitGuardGetsAFullBlockBranch() {
    Stmt s = nest(guarded(IrOps.lt(IrOps.add(IrOps.mul(bx, IrOps.i32(64)), tx), n)), "threadIdx.x");
    assertThat(TirPrinter.print(PartitionTailBlock.apply(s))).isEqualTo("""
        launch_thread (blockIdx.x: bx, 0, n) {
          launch_thread (threadIdx.x: tx, 0, 64) {
            if ((((bx * 64) + 63) < n)) {
              C[((bx * 64) + tx)] = 1f
            } else {
              if ((((bx * 64) + tx) < n)) {
                C[((bx * 64) + tx)] = 1f
              }
            }
          }
        }
        """);
  }

  @Test
  void guardsThatAreNotMonotoneInTheThreadIndexOrNotUnderOneAreLeftAlone() {
    Stmt threadInBound = nest(guarded(IrOps.lt(IrOps.add(bx, tx), IrOps.sub(n, tx))), "threadIdx.x");
    assertThat(PartitionTailBlock.apply(threadInBound)).isSameAs(threadInBound);
    Stmt serial = nest(guarded(IrOps.lt(IrOps.add(IrOps.mul(bx, IrOps.i32(64)), tx), n)), "");
    assertThat(PartitionTailBlock.apply(serial)).isSameAs(serial);
  }
}
