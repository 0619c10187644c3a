package org.nnvm4j.tensor.schedule;

import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IterVar;

/** How a stage's leaf iteration variables derive from its root axes. */
public sealed interface IterRelation {
  /** {@code parent = outer * factor + inner}. */
  record Split(IterVar parent, IterVar outer, IterVar inner, Expr factor) implements IterRelation {}

  /** {@code fused = outer * extent(inner) + inner}. */
  record Fuse(IterVar outer, IterVar inner, IterVar fused) implements IterRelation {}
}
