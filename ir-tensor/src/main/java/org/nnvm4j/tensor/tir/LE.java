package org.nnvm4j.tensor.tir;

import org.nnvm4j.tensor.DType;

/** a <= b; a bool with the lanes of the operands. */
public record LE(Expr a, Expr b) implements BinaryExpr {
  public LE { BinaryExpr.checkSame("LE", a, b); }

  @Override public DType dtype() { return DType.BOOL.withLanes(a.dtype().lanes()); }

  @Override public String symbol() { return "<="; }
}
