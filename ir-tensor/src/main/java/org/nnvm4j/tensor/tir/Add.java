package org.nnvm4j.tensor.tir;

/** a + b. Both operands have the same dtype. */
public record Add(Expr a, Expr b) implements BinaryExpr {
  public Add { BinaryExpr.checkSame("Add", a, b); }

  @Override public org.nnvm4j.tensor.DType dtype() { return a.dtype(); }

  @Override public String symbol() { return "+"; }
}
