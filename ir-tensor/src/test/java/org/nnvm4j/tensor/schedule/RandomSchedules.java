package org.nnvm4j.tensor.schedule;

import java.util.List;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;

/**
 * Random scheduled programs for property tests: T = A * 3 + 1, B = T * T, R[i] = sum_j B[i, j] over an m x n
 * input (n symbolic or constant), with a mix of split, fuse, vectorize, parallel, unroll, pragma (chosen by
 * {@code bStage}), computeInline, computeAt, storageAlign, tile (by {@code tStage}) and cacheWrite.
 */
public final class RandomSchedules {
  private RandomSchedules() {}

  /** A program: its schedule, input A and output R. */
  public record Program(Schedule schedule, Tensor a, Tensor r) {
    public List<Tensor> args() { return List.of(a, r); }
  }

  /** The expected R for input {@code a} (m x n, row-major): sum_j (a * 3 + 1)^2. */
  public static long[] expected(int[] a, int m, int n) {
    long[] r = new long[m];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        long t = (long) a[i * n + j] * 3 + 1;
        r[i] += (int) (t * t);
      }
      r[i] = (int) r[i];
    }
    return r;
  }

  public static Program build(int m, int n, boolean symbolic, int tStage, int bStage, int factor, boolean cache,
      DType t) {
    Expr cols = symbolic ? Te.var("n") : IrOps.i32(n);
    Tensor a = Te.placeholder(List.of(IrOps.i32(m), cols), t, "A");
    Tensor tt = Te.compute(a.shape(), (i, j) -> IrOps.add(IrOps.mul(a.get(i, j), IrOps.constant(t, 3)), IrOps.one(t)), "T");
    Tensor b = Te.compute(a.shape(), (i, j) -> IrOps.mul(tt.get(i, j), tt.get(i, j)), "B");
    IterVar k = Te.reduceAxis(cols, "k");
    Tensor r = Te.compute(List.of(IrOps.i32(m)), i -> Te.sum(b.get(i, k.var()), k), "R");
    Schedule s = Schedule.create(r.op());
    Stage bs = s.get(b);
    Stage ts = s.get(tt);
    IterVar[] bj = bs.split(bs.axis().get(1), factor);
    switch (bStage) {
      case 1 -> bs.vectorize(bj[1]);
      case 2 -> bs.parallel(bs.axis().get(0)).unroll(bj[1]);
      case 3 -> bs.fuse(bs.axis().get(0), bj[0]);
      case 4 -> bs.pragma(bs.axis().get(0), "auto_unroll_max_step", IrOps.i32(8));
      default -> { }
    }
    switch (tStage) {
      case 1 -> ts.computeInline();
      case 2 -> ts.computeAt(bs, bs.leafIterVars().get(0));
      case 3 -> ts.computeAt(bs, bs.leafIterVars().get(bs.leafIterVars().size() - 1));
      case 4 -> {
        if (!symbolic) ts.storageAlign(ts.axis().get(0), 4, 1);
      }
      case 5 -> ts.tile(ts.axis().get(0), ts.axis().get(1), 2, factor);
      default -> { }
    }
    if (cache) {
      Tensor rl = s.cacheWrite(r, "local");
      s.get(rl).split(k, factor);
    }
    return new Program(s, a, r);
  }
}
