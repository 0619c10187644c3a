package org.nnvm4j.tensor.tir;

/** a - floordiv(a, b) * b, with the sign of b. Both operands have the same dtype. */
public record FloorMod(Expr a, Expr b) implements BinaryExpr {
  public FloorMod { BinaryExpr.checkSame("FloorMod", a, b); }

  @Override public org.nnvm4j.tensor.DType dtype() { return a.dtype(); }

  @Override public String symbol() { return "floormod"; }
}
