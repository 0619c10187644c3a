package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;

/** Binds {@code var = value} in {@code body}. */
public record LetStmt(Var var, Expr value, Stmt body) implements Stmt {
  public LetStmt {
    InternalCompilerError.check(var.dtype().equals(value.dtype()), "LetStmt %s: %s bound to %s", var, var.dtype(),
        value.dtype());
  }
}
