package org.nnvm4j.tensor.tir;

/** Evaluates {@code value} for its side effects (an intrinsic call such as a barrier). */
public record Evaluate(Expr value) implements Stmt {}
