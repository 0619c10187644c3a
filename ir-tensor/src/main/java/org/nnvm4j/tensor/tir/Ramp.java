package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/** The vector {@code [base, base + stride, ..., base + (lanes - 1) * stride]}. */
public record Ramp(Expr base, Expr stride, int lanes) implements Expr {
  public Ramp {
    InternalCompilerError.check(lanes > 1, "Ramp of %d lanes", lanes);
    InternalCompilerError.check(base.dtype().equals(stride.dtype()) && base.dtype().lanes() == 1,
        "Ramp base %s and stride %s", base.dtype(), stride.dtype());
  }

  @Override public DType dtype() { return base.dtype().withLanes(lanes); }
}
