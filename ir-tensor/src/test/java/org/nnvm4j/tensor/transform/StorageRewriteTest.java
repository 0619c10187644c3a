package org.nnvm4j.tensor.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.*;

class StorageRewriteTest {
  private final Var i = new Var("i", DType.I32);

  private final Buffer a = buf("A", DType.F32, 8, "global");
  private final Buffer t1 = buf("T1", DType.F32, 8, "global");
  private final Buffer t2 = buf("T2", DType.F32, 8, "global");

  private static Expr c(long v) { return IrOps.i32(v); }

  private static Buffer buf(String name, DType t, long n, String scope) { return new Buffer(name, t, List.of(c(n)), scope); }

  private Stmt copy(Buffer from, Buffer to, long n) {
    return new For(i, c(0), c(n), ForKind.SERIAL, new BufferStore(to, new BufferLoad(from, List.of(i)), List.of(i)));
  }

  @Test
  void aBufferBornAfterAnotherDiesTakesOverItsStorage() {
    Buffer t3 = buf("T3", DType.F32, 4, "global");
    Buffer out = buf("B", DType.F32, 4, "global");
    Stmt before = new Allocate(t1, new Allocate(t2, new Allocate(t3,
        SeqStmt.of(copy(a, t1, 8), copy(t1, t2, 8), copy(t2, t3, 4), copy(t3, out, 4)))));
    assertThat(TirPrinter.print(StorageRewrite.apply(before))).isEqualTo("""
        allocate T1[float32 * 8], storage_scope = global
        allocate T2[float32 * 8], storage_scope = global
        for (i, 0, 8) {
          T1[i] = A[i]
        }
        for (i, 0, 8) {
          T2[i] = T1[i]
        }
        for (i, 0, 4) {
          T1[i] = T2[i]
        }
        for (i, 0, 4) {
          B[i] = T1[i]
        }
        """);
  }

  @Test
  void loweredChainOfIntermediatesReusesTheFirstBufferAndComputesTheSame() {
    Tensor in = Te.placeholder(Te.shape(8), DType.I32, "A");
    Tensor x1 = Te.compute(in.shape(), v -> IrOps.add(in.get(v), IrOps.i32(1)), "X1");
    Tensor x2 = Te.compute(in.shape(), v -> IrOps.mul(x1.get(v), IrOps.i32(2)), "X2");
    Tensor x3 = Te.compute(in.shape(), v -> IrOps.sub(x2.get(v), IrOps.i32(3)), "X3");
    Tensor out = Te.compute(in.shape(), v -> IrOps.mul(x3.get(v), x3.get(v)), "B");
    PrimFunc f = Lower.lower(Schedule.create(out.op()), List.of(in, out), "chain");
    assertThat(f.toString()).contains("allocate X1[int32 * 8]").contains("allocate X2[int32 * 8]")
        .doesNotContain("allocate X3").contains("X1[i_2] = (X2[i_2] - 3)");
    int[] data = {5, -2, 0, 7, 1, 9, -4, 3};
    try (NDArray na = NDArray.of(data, Shape.of(8)); NDArray nb = NDArray.allocate(DType.I32, Shape.of(8))) {
      Interpreter.run(f, List.of(na, nb));
      int[] want = new int[8];
      for (int k = 0; k < 8; k++) want[k] = ((data[k] + 1) * 2 - 3) * ((data[k] + 1) * 2 - 3);
      assertThat(nb.toIntArray()).containsExactly(want);
    }
  }

  @Test
  void differentScopeOrDtypeOrOverlappingLifetimesKeepTheirOwnBuffers() {
    Buffer local = buf("L", DType.F32, 8, "local");
    Buffer ints = buf("I", DType.I32, 8, "global");
    Buffer out = buf("B", DType.F32, 8, "global");
    Stmt before = new Allocate(t1, new Allocate(t2, new Allocate(local, new Allocate(ints, SeqStmt.of(
        copy(a, t1, 8), copy(t1, t2, 8), copy(t2, local, 8),
        new For(i, c(0), c(8), ForKind.SERIAL, new BufferStore(ints, IrOps.cast(DType.I32, new BufferLoad(local, List.of(i))), List.of(i))),
        copy(local, out, 8))))));
    assertThat(StorageRewrite.apply(before)).isSameAs(before);
  }
}
