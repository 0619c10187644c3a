package org.nnvm4j.tensor.tir;

/** a - b. Both operands have the same dtype. */
public record Sub(Expr a, Expr b) implements BinaryExpr {
  public Sub { BinaryExpr.checkSame("Sub", a, b); }

  @Override public org.nnvm4j.tensor.DType dtype() { return a.dtype(); }

  @Override public String symbol() { return "-"; }
}
