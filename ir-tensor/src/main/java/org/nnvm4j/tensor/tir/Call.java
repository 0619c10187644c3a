package org.nnvm4j.tensor.tir;

import java.util.List;

/**
 * A call of an intrinsic ({@code exp}, {@code sqrt}, {@code fma}, ...; see {@link Intrinsics}) or of
 * an external function, returning {@code dtype}.
 */
public record Call(org.nnvm4j.tensor.DType dtype, String op, List<Expr> args) implements Expr {
  public Call { args = List.copyOf(args); }
}
