package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/** Logical a || b of two bools. */
public record Or(Expr a, Expr b) implements BinaryExpr {
  public Or {
    BinaryExpr.checkSame("Or", a, b);
    InternalCompilerError.check(a.dtype().isBool(), "Or of non-bool %s", a.dtype());
  }

  @Override public DType dtype() { return a.dtype(); }

  @Override public String symbol() { return "||"; }
}
