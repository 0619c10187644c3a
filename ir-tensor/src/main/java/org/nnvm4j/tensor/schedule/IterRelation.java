package org.nnvm4j.tensor.schedule;

import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;

/** How a stage's leaf iteration variables derive from its root axes. */
public sealed interface IterRelation {
  /**
   * {@code parent = outer * factor + inner}: split by {@code factor}, or into {@code nparts} outer
   * iterations, when the factor is {@code ceil(extent(parent) / nparts)} (TVM's {@code split(nparts=)}).
   * Exactly one of {@code factor} and {@code nparts} is set.
   */
  record Split(IterVar parent, IterVar outer, IterVar inner, Expr factor, Expr nparts) implements IterRelation {
    /** The inner loop's extent (the factor) for a parent of extent {@code ext}. */
    public Expr innerExtent(Expr ext) { return factor != null ? factor : ceilDiv(ext, nparts); }

    /** The outer loop's extent for a parent of extent {@code ext}. */
    public Expr outerExtent(Expr ext) { return nparts != null ? nparts : ceilDiv(ext, factor); }

    /** Whether outer x inner iterations provably cover exactly {@code ext} (no guard is needed). */
    public boolean isExact(Expr ext) {
      return IrOps.isConst(IrOps.sub(IrOps.mul(outerExtent(ext), innerExtent(ext)), ext), 0)
          || factor != null && IrOps.isConst(IrOps.floorMod(ext, factor), 0);
    }

    private static Expr ceilDiv(Expr a, Expr b) { return IrOps.floorDiv(IrOps.add(a, IrOps.sub(b, IrOps.one(b.dtype()))), b); }
  }

  /** {@code fused = outer * extent(inner) + inner}. */
  record Fuse(IterVar outer, IterVar inner, IterVar fused) implements IterRelation {}
}
