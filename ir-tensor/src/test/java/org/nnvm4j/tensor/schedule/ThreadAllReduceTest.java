package org.nnvm4j.tensor.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.Call;
import org.nnvm4j.tensor.tir.Evaluate;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.Intrinsics;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StmtExprVisitor;

/**
 * Reductions whose loop is bound to a thread index (a tree over a shared buffer with barriers between its
 * steps) and shared-scope stages computed inside thread-bound loops (a block-wide region with barriers
 * around it). Each phase is its own thread loop, so the interpreter, running the threads one after another,
 * computes the exact result; the tests check it against plain Java.
 */
class ThreadAllReduceTest {
  private static int[] data(int n) {
    int[] v = new int[n];
    for (int i = 0; i < n; i++) v[i] = (i * 7 + 3) % 23 - 11;
    return v;
  }

  @Test
  void aThreadBoundReductionIsATreeWithABarrierBetweenSteps() {
    // thread counts that are and are not powers of two, and more threads than elements
    for (int[] c : new int[][] {{5, 37, 8}, {3, 64, 6}, {2, 5, 16}, {4, 100, 1}, {1, 13, 7}}) {
      int rows = c[0];
      int k = c[1];
      int threads = c[2];
      Tensor a = Te.placeholder(Te.shape(rows, k), DType.I32, "A");
      IterVar r = Te.reduceAxis(k, "r");
      Tensor m = Te.compute(Te.shape(rows), i -> Te.max(a.get(i, r.var()), r), "M");
      Schedule s = Schedule.create(m.op());
      Stage st = s.get(m);
      IterVar[] ko = st.split(r, threads);
      st.bind(ko[1], "threadIdx.x").bind(st.axis().get(0), "blockIdx.x");
      PrimFunc f = Lower.lower(s, List.of(a, m), "rowmax");
      int[] in = data(rows * k);
      try (NDArray na = NDArray.of(in, Shape.of(rows, k)); NDArray nm = NDArray.allocate(DType.I32, Shape.of(rows))) {
        Interpreter.run(f, List.of(na, nm));
        int[] want = new int[rows];
        for (int i = 0; i < rows; i++) {
          want[i] = Integer.MIN_VALUE;
          for (int j = 0; j < k; j++) want[i] = Math.max(want[i], in[i * k + j]);
        }
        assertThat(nm.toIntArray()).as("rows %d, k %d, threads %d", rows, k, threads).containsExactly(want);
      }
      int steps = threads > 1 ? 32 - Integer.numberOfLeadingZeros(threads - 1) : 0;
      assertThat(syncs(f.body())).as("threads %d", threads).isEqualTo(steps);
      assertThat(threadLoops(f.body())).isEqualTo(steps + 2);
      assertThat(shared(f.body())).containsExactly("M.red");
    }
  }

  @Test
  void aSharedTileAttachedInsideTheThreadLoopsSpansTheBlockAndIsFencedByBarriers() {
    int m = 10;
    int n = 12;
    int kk = 7;
    Tensor a = Te.placeholder(Te.shape(m, kk), DType.I32, "A");
    Tensor b = Te.placeholder(Te.shape(n, kk), DType.I32, "B");
    IterVar k = Te.reduceAxis(kk, "k");
    Tensor c = Te.compute(Te.shape(m, n), (i, j) -> Te.sum(IrOps.mul(a.get(i, k.var()), b.get(j, k.var())), k), "C");
    Schedule s = Schedule.create(c.op());
    Tensor cl = s.cacheWrite(c, "local");
    Tensor as = s.cacheRead(a, "shared", List.of(cl.op()));
    Stage cs = s.get(c);
    IterVar[] i = cs.split(cs.axis().get(0), 4);
    IterVar[] j = cs.split(cs.axis().get(1), 4);
    cs.reorder(i[0], j[0], i[1], j[1]);
    cs.bind(i[0], "blockIdx.y").bind(j[0], "blockIdx.x").bind(i[1], "threadIdx.y").bind(j[1], "threadIdx.x");
    Stage ls = s.get(cl);
    ls.computeAt(cs, j[1]);
    IterVar[] ko = ls.split(((ComputeOp) ls.op()).reduceAxis().get(0), 4);
    Stage ts = s.get(as);
    ts.computeAt(ls, ko[0]);
    ts.bind(ts.axis().get(0), "threadIdx.y").bind(ts.axis().get(1), "threadIdx.x");
    PrimFunc f = Lower.lower(s, List.of(a, b, c), "tiled");
    int[] va = data(m * kk);
    int[] vb = data(n * kk);
    try (NDArray na = NDArray.of(va, Shape.of(m, kk)); NDArray nb = NDArray.of(vb, Shape.of(n, kk));
        NDArray nc = NDArray.allocate(DType.I32, Shape.of(m, n))) {
      Interpreter.run(f, List.of(na, nb, nc));
      int[] want = new int[m * n];
      for (int x = 0; x < m; x++) for (int y = 0; y < n; y++) for (int z = 0; z < kk; z++) want[x * n + y] += va[x * kk + z] * vb[y * kk + z];
      assertThat(nc.toIntArray()).containsExactly(want);
    }
    // the tile holds the 4 rows of the block (not the 1 row of one thread) by 4 columns of k
    List<Long> sizes = new ArrayList<>();
    new StmtExprVisitor() {
      @Override
      public void visit(Stmt st) {
        if (st instanceof Allocate al && al.buffer().scope().equals("shared")) sizes.add(al.buffer().shape().stream().mapToLong(IrOps::asLong).reduce(1, (x, y) -> x * y));
        super.visit(st);
      }
    }.visit(f.body());
    assertThat(sizes).containsOnly(16L);
    assertThat(syncs(f.body())).isEqualTo(4); // before and after the load, in the main and the tail k loop
  }

  @Test
  void reductionLoopsThatCannotBeOneTreeAreScheduleErrors() {
    Tensor a = Te.placeholder(Te.shape(4, 8, 6), DType.F32, "A");
    IterVar r = Te.reduceAxis(8, "r");
    IterVar q = Te.reduceAxis(6, "q");
    Tensor m = Te.compute(Te.shape(4), i -> Te.sum(a.get(i, r.var(), q.var()), r, q), "S");
    Schedule s = Schedule.create(m.op());
    s.get(m).bind(r, "threadIdx.x").bind(q, "threadIdx.y");
    ScheduleAsserts.assertInvalid(() -> Lower.lower(s, List.of(a, m), "two"), "stage 'S'",
        "a second reduction loop bound to a thread index ('r' is bound already)");

    Schedule t = Schedule.create(m.op());
    t.get(m).bind(t.get(m).axis().get(0), "threadIdx.y").bind(r, "threadIdx.x");
    ScheduleAsserts.assertInvalid(() -> Lower.lower(t, List.of(a, m), "tid"), "stage 'S'",
        "data-parallel loop 'i' bound to threadIdx.y around a cross-thread reduction");

    Schedule u = Schedule.create(m.op());
    u.get(m).reorder(r, u.get(m).axis().get(0));
    u.get(m).bind(r, "threadIdx.x");
    ScheduleAsserts.assertInvalid(() -> Lower.lower(u, List.of(a, m), "inner"), "stage 'S'",
        "data-parallel loop 'i' inside the reduction loops of a cross-thread reduction");
  }

  @Test
  void onlyStagesComputedAtAConsumerLiveOutsideGlobalMemory() {
    Tensor a = Te.placeholder(Te.shape(4), DType.F32, "A");
    Tensor b = Te.compute(a.shape(), i -> IrOps.add(a.get(i), IrOps.f32(1)), "B");
    Schedule s = Schedule.create(b.op());
    ScheduleAsserts.assertInvalid(() -> s.get(b).storageScope("shared"), "stage 'B'",
        "an output of the schedule lives in global memory");
    ScheduleAsserts.assertInvalid(() -> s.get(b).storageScope("texture"), "storage scope 'texture'");
  }

  private static int syncs(Stmt body) {
    int[] n = {0};
    new StmtExprVisitor() {
      @Override
      public void visit(Stmt s) {
        if (s instanceof Evaluate e && e.value() instanceof Call c && c.op().equals(Intrinsics.STORAGE_SYNC)) n[0]++;
        super.visit(s);
      }
    }.visit(body);
    return n[0];
  }

  private static int threadLoops(Stmt body) {
    int[] n = {0};
    new StmtExprVisitor() {
      @Override
      public void visit(Stmt s) {
        if (s instanceof For f && f.kind() == ForKind.THREAD_BINDING && f.threadTag().startsWith("threadIdx")) n[0]++;
        super.visit(s);
      }
    }.visit(body);
    return n[0];
  }

  private static List<String> shared(Stmt body) {
    List<String> names = new ArrayList<>();
    new StmtExprVisitor() {
      @Override
      public void visit(Stmt s) {
        if (s instanceof Allocate a && a.buffer().scope().equals("shared")) names.add(a.buffer().name());
        super.visit(s);
      }
    }.visit(body);
    return names;
  }
}
