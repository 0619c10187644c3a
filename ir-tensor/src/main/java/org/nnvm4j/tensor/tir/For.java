package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;

/** {@code for (loopVar = min; loopVar < min + extent; ++loopVar) body}. */
public record For(Var loopVar, Expr min, Expr extent, ForKind kind, String threadTag, Stmt body) implements Stmt {
  public For {
    InternalCompilerError.check(min.dtype().equals(loopVar.dtype()) && extent.dtype().equals(loopVar.dtype()),
        "For %s: min %s and extent %s must have the loop var's type %s", loopVar, min.dtype(), extent.dtype(),
        loopVar.dtype());
    threadTag = threadTag == null ? "" : threadTag;
    InternalCompilerError.check((kind == ForKind.THREAD_BINDING) == !threadTag.isEmpty(),
        "For %s: thread tag '%s' with kind %s", loopVar, threadTag, kind);
  }

  public For(Var loopVar, Expr min, Expr extent, ForKind kind, Stmt body) {
    this(loopVar, min, extent, kind, "", body);
  }

  public For withBody(Stmt b) { return b == body ? this : new For(loopVar, min, extent, kind, threadTag, b); }
}
