package org.nnvm4j.tensor.transform;

import java.util.List;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StmtMutator;

/**
 * Rewrites every multi-dimensional buffer access {@code B[i, j]} into a flat row-major access
 * {@code B[i * n + j]}. Buffers keep their shapes (the function signature still states them); after
 * this pass every load and store has exactly one index.
 */
public final class FlattenStorage {
  public static final PassInfo INFO = new PassInfo("tir.flatten-storage", "Flatten multi-dimensional buffer accesses", 0);

  private FlattenStorage() {}

  public static Stmt apply(Stmt body) { return new Flattener().mutate(body); }

  public static Pass<PrimFunc> pass() { return Pass.of(INFO, PrimFunc.class, (f, ctx) -> f.withBody(apply(f.body()))); }

  /** The flat row-major offset of {@code indices} in {@code buffer}. */
  public static Expr flatIndex(Buffer buffer, List<Expr> indices) {
    if (indices.isEmpty()) return IrOps.i32(0);
    List<Expr> shape = buffer.shape();
    Expr off = indices.get(0);
    for (int d = 1; d < indices.size(); d++) off = IrOps.add(IrOps.mul(off, shape.get(d)), indices.get(d));
    return off;
  }

  private static final class Flattener extends StmtMutator {
    @Override
    protected Expr visit(BufferLoad n) {
      List<Expr> idx = mutateAll(n.indices());
      if (idx.size() == 1) return idx == n.indices() ? n : new BufferLoad(n.buffer(), idx);
      return new BufferLoad(n.buffer(), List.of(flatIndex(n.buffer(), idx)));
    }

    @Override
    protected Stmt visit(BufferStore n) {
      Expr v = mutate(n.value());
      List<Expr> idx = mutateAll(n.indices());
      if (idx.size() == 1) return v == n.value() && idx == n.indices() ? n : new BufferStore(n.buffer(), v, idx);
      return new BufferStore(n.buffer(), v, List.of(flatIndex(n.buffer(), idx)));
    }
  }
}
