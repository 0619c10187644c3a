package org.nnvm4j.tensor.tir;

/** Allocates storage for {@code buffer} (its shape, dtype and scope) for the duration of {@code body}. */
public record Allocate(Buffer buffer, Stmt body) implements Stmt {}
