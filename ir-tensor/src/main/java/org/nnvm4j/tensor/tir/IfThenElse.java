package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;

/** {@code if (condition) thenCase else elseCase}; {@code elseCase} may be null. */
public record IfThenElse(Expr condition, Stmt thenCase, Stmt elseCase) implements Stmt {
  public IfThenElse {
    InternalCompilerError.check(condition.dtype().isBool() && condition.dtype().lanes() == 1,
        "IfThenElse condition of type %s", condition.dtype());
  }
}
