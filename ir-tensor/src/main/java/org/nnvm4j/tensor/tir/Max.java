package org.nnvm4j.tensor.tir;

/** the larger of a and b. Both operands have the same dtype. */
public record Max(Expr a, Expr b) implements BinaryExpr {
  public Max { BinaryExpr.checkSame("Max", a, b); }

  @Override public org.nnvm4j.tensor.DType dtype() { return a.dtype(); }

  @Override public String symbol() { return "max"; }
}
