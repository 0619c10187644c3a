package org.nnvm4j.tensor.tir;

import java.util.List;
import org.nnvm4j.tensor.DType;

/**
 * A commutative reduction over {@code axis} (a tensor-expression node; lowering turns it into an
 * init statement and an update loop). {@code source} has one expression per reducer result; this
 * node stands for result {@code valueIndex}.
 */
public record Reduce(CommReducer combiner, List<Expr> source, List<IterVar> axis, Expr condition, int valueIndex)
    implements Expr {
  public Reduce {
    source = List.copyOf(source);
    axis = List.copyOf(axis);
  }

  @Override public DType dtype() { return source.get(valueIndex).dtype(); }
}
