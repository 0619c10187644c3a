package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/** {@code let var = value in body}. */
public record Let(Var var, Expr value, Expr body) implements Expr {
  public Let {
    InternalCompilerError.check(var.dtype().equals(value.dtype()), "Let %s: %s bound to %s", var, var.dtype(),
        value.dtype());
  }

  @Override public DType dtype() { return body.dtype(); }
}
