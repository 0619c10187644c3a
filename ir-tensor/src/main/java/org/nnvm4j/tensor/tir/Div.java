package org.nnvm4j.tensor.tir;

/** a / b, truncating toward zero for integers (C semantics). Both operands have the same dtype. */
public record Div(Expr a, Expr b) implements BinaryExpr {
  public Div { BinaryExpr.checkSame("Div", a, b); }

  @Override public org.nnvm4j.tensor.DType dtype() { return a.dtype(); }

  @Override public String symbol() { return "/"; }
}
