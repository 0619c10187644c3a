package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/** The scalar {@code value} repeated in {@code lanes} lanes. */
public record Broadcast(Expr value, int lanes) implements Expr {
  public Broadcast {
    InternalCompilerError.check(lanes > 1 && value.dtype().lanes() == 1, "Broadcast of %s to %d lanes",
        value.dtype(), lanes);
  }

  @Override public DType dtype() { return value.dtype().withLanes(lanes); }
}
