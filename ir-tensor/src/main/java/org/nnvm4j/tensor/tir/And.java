package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/** Logical a && b of two bools. */
public record And(Expr a, Expr b) implements BinaryExpr {
  public And {
    BinaryExpr.checkSame("And", a, b);
    InternalCompilerError.check(a.dtype().isBool(), "And of non-bool %s", a.dtype());
  }

  @Override public DType dtype() { return a.dtype(); }

  @Override public String symbol() { return "&&"; }
}
