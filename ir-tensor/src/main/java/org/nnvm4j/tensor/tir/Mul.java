package org.nnvm4j.tensor.tir;

/** a * b. Both operands have the same dtype. */
public record Mul(Expr a, Expr b) implements BinaryExpr {
  public Mul { BinaryExpr.checkSame("Mul", a, b); }

  @Override public org.nnvm4j.tensor.DType dtype() { return a.dtype(); }

  @Override public String symbol() { return "*"; }
}
