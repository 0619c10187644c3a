package org.nnvm4j.tensor.tir;

/** Checks {@code condition} at run time, failing with {@code message}, then runs {@code body}. */
public record AssertStmt(Expr condition, String message, Stmt body) implements Stmt {}
