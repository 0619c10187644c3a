package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/** Converts {@code value} to {@code dtype} with C semantics; lanes are kept. */
public record Cast(DType dtype, Expr value) implements Expr {
  public Cast {
    InternalCompilerError.check(dtype.lanes() == value.dtype().lanes(), "Cast changes lanes: %s -> %s",
        value.dtype(), dtype);
  }
}
