package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/** Logical negation of a bool. */
public record Not(Expr a) implements Expr {
  public Not { InternalCompilerError.check(a.dtype().isBool(), "Not of non-bool %s", a.dtype()); }

  @Override public DType dtype() { return a.dtype(); }
}
