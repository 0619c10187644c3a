package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/** A floating-point constant. */
public record FloatImm(DType dtype, double value) implements Expr {
  public FloatImm {
    InternalCompilerError.check(dtype.isFloat() && dtype.lanes() == 1, "FloatImm of dtype %s", dtype);
  }
}
