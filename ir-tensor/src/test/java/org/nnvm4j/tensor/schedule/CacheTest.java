package org.nnvm4j.tensor.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;

/** {@link Schedule#cacheWrite} and {@link Schedule#cacheRead}, alone and with computeAt (the classic matmul schedule). */
class CacheTest {
  private static final int M = 10;
  private static final int K = 7;
  private static final int N = 12;

  private record MatMul(Tensor a, Tensor b, Tensor c, IterVar k) {}

  private static MatMul matmul() {
    Tensor a = Te.placeholder(Te.shape(M, K), DType.I32, "A");
    Tensor b = Te.placeholder(Te.shape(K, N), DType.I32, "B");
    IterVar k = Te.reduceAxis(K, "k");
    Tensor c = Te.compute(Te.shape(M, N), (i, j) -> Te.sum(IrOps.mul(a.get(i, k.var()), b.get(k.var(), j)), k), "C");
    return new MatMul(a, b, c, k);
  }

  private static int[] data(int n, int seed) {
    int[] v = new int[n];
    for (int i = 0; i < n; i++) v[i] = (i * seed + 3) % 13 - 6;
    return v;
  }

  private static void assertComputesMatmul(PrimFunc f) {
    int[] a = data(M * K, 5);
    int[] b = data(K * N, 7);
    int[] want = new int[M * N];
    for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) for (int k = 0; k < K; k++) want[i * N + j] += a[i * K + k] * b[k * N + j];
    try (NDArray na = NDArray.of(a, Shape.of(M, K)); NDArray nb = NDArray.of(b, Shape.of(K, N));
        NDArray nc = NDArray.allocate(DType.I32, Shape.of(M, N))) {
      Interpreter.run(f, List.of(na, nb, nc));
      assertThat(nc.toIntArray()).containsExactly(want);
    }
  }

  @Test
  void cacheWriteTiledMatmulAccumulatesInALocalTile() {
    MatMul p = matmul();
    Schedule s = Schedule.create(p.c().op());
    Tensor cc = s.cacheWrite(p.c(), "local");
    Stage c = s.get(p.c());
    IterVar[] t = c.tile(c.axis().get(0), c.axis().get(1), 4, 4);
    Stage ccs = s.get(cc);
    ccs.computeAt(c, t[1]);
    IterVar[] ks = ccs.split(p.k(), 2);
    ccs.reorder(ks[0], ks[1], ccs.axis().get(0), ccs.axis().get(1));
    ccs.vectorize(ccs.axis().get(1));
    c.vectorize(t[3]);
    PrimFunc f = Lower.lower(s, List.of(p.a(), p.b(), p.c()), "matmul");
    String text = f.toString();
    assertThat(text).contains("allocate C.local[int32 * 4 * 4], storage_scope = local");
    assertThat(text.indexOf("allocate C.local")).isGreaterThan(text.indexOf("for (j.outer"));
    assertThat(cc.name()).isEqualTo("C.local");
    assertComputesMatmul(f);
  }

  @Test
  void cacheReadOfAnInputIntoSharedComputedPerRowBlock() {
    MatMul p = matmul();
    Schedule s = Schedule.create(p.c().op());
    Tensor as = s.cacheRead(p.a(), "shared", List.of(p.c().op()));
    Stage c = s.get(p.c());
    IterVar[] is = c.split(c.axis().get(0), 2);
    s.get(as).computeAt(c, is[0]);
    PrimFunc f = Lower.lower(s, List.of(p.a(), p.b(), p.c()), "matmul");
    assertThat(f.toString()).contains("allocate A.shared[int32 * 2 * 7], storage_scope = shared");
    assertComputesMatmul(f);
  }

  @Test
  void cachesAtTheRootCopyWholeTensors() {
    MatMul p = matmul();
    Schedule s = Schedule.create(p.c().op());
    s.cacheRead(p.b(), "global", List.of(p.c().op()));
    s.cacheWrite(p.c(), "local");
    PrimFunc f = Lower.lower(s, List.of(p.a(), p.b(), p.c()), "matmul");
    assertThat(f.toString()).contains("allocate B.global[int32 * 7 * 12]").contains("allocate C.local[int32 * 10 * 12]");
    assertComputesMatmul(f);
  }

  @Test
  void misuseIsRejectedWithTheStageName() {
    MatMul p = matmul();
    Schedule s = Schedule.create(p.c().op());
    assertThatThrownBy(() -> s.cacheWrite(p.c(), "texture")).isInstanceOfSatisfying(CompileException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SCHEDULE);
      assertThat(e.getMessage()).contains("stage 'C'", "scope 'texture'", "[global, shared, local]");
    });
    assertThatThrownBy(() -> s.cacheWrite(p.a(), "local")).isInstanceOfSatisfying(CompileException.class,
        e -> assertThat(e.getMessage()).contains("stage 'A'", "placeholder"));
    Tensor other = Te.compute(Te.shape(M, K), (i, j) -> p.a().get(i, j), "D");
    assertThatThrownBy(() -> s.cacheRead(p.b(), "shared", List.of(other.op()))).isInstanceOfSatisfying(
        CompileException.class, e -> assertThat(e.getMessage()).contains("'D' is not part of this schedule"));
    s.get(p.c()).split(s.get(p.c()).axis().get(0), 2);
    assertThatThrownBy(() -> s.cacheWrite(p.c(), "local")).isInstanceOfSatisfying(CompileException.class,
        e -> assertThat(e.getMessage()).contains("stage 'C'", "after scheduling"));
  }
}
