package org.nnvm4j.tensor.tir;

/** a % b, with the sign of a (C semantics). Both operands have the same dtype. */
public record Mod(Expr a, Expr b) implements BinaryExpr {
  public Mod { BinaryExpr.checkSame("Mod", a, b); }

  @Override public org.nnvm4j.tensor.DType dtype() { return a.dtype(); }

  @Override public String symbol() { return "%"; }
}
