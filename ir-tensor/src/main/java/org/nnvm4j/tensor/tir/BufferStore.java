package org.nnvm4j.tensor.tir;

import java.util.List;

/** Writes {@code buffer[indices] = value}. */
public record BufferStore(Buffer buffer, Expr value, List<Expr> indices) implements Stmt {
  public BufferStore { indices = List.copyOf(indices); }
}
