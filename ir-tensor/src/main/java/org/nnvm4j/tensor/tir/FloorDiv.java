package org.nnvm4j.tensor.tir;

/** a / b rounded toward negative infinity. Both operands have the same dtype. */
public record FloorDiv(Expr a, Expr b) implements BinaryExpr {
  public FloorDiv { BinaryExpr.checkSame("FloorDiv", a, b); }

  @Override public org.nnvm4j.tensor.DType dtype() { return a.dtype(); }

  @Override public String symbol() { return "floordiv"; }
}
