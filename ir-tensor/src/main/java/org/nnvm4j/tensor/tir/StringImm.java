package org.nnvm4j.tensor.tir;

import org.nnvm4j.tensor.DType;

/** A string constant, used as an argument of intrinsic calls and assert messages. */
public record StringImm(String value) implements Expr {
  @Override public DType dtype() { return DType.HANDLE; }
}
