package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/** {@code condition ? trueValue : falseValue}; both values are evaluated (no short circuit). */
public record Select(Expr condition, Expr trueValue, Expr falseValue) implements Expr {
  public Select {
    InternalCompilerError.check(condition.dtype().isBool(), "Select condition of type %s", condition.dtype());
    InternalCompilerError.check(trueValue.dtype().equals(falseValue.dtype()), "Select of mismatched types %s, %s",
        trueValue.dtype(), falseValue.dtype());
  }

  @Override public DType dtype() { return trueValue.dtype(); }
}
