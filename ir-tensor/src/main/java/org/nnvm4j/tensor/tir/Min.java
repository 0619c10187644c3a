package org.nnvm4j.tensor.tir;

/** the smaller of a and b. Both operands have the same dtype. */
public record Min(Expr a, Expr b) implements BinaryExpr {
  public Min { BinaryExpr.checkSame("Min", a, b); }

  @Override public org.nnvm4j.tensor.DType dtype() { return a.dtype(); }

  @Override public String symbol() { return "min"; }
}
