package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/** An integer or bool constant; the value is kept in range of its dtype. */
public record IntImm(DType dtype, long value) implements Expr {
  public IntImm {
    InternalCompilerError.check(dtype.isIntegral() && dtype.lanes() == 1, "IntImm of dtype %s", dtype);
    if (dtype.isBool()) InternalCompilerError.check(value == 0 || value == 1, "bool IntImm %d", value);
  }
}
