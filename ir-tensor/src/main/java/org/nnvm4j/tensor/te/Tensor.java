package org.nnvm4j.tensor.te;

import java.util.Arrays;
import java.util.List;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.Producer;
import org.nnvm4j.tensor.tir.ProducerLoad;

/** Output {@code valueIndex} of an {@link Operation}. Identity-compared. */
public final class Tensor implements Producer {
  private final Operation op;
  private final int valueIndex;

  Tensor(Operation op, int valueIndex) {
    this.op = op;
    this.valueIndex = valueIndex;
  }

  public Operation op() { return op; }

  public int valueIndex() { return valueIndex; }

  @Override public String name() { return op.numOutputs() == 1 ? op.name() : op.name() + ".v" + valueIndex; }

  @Override public DType dtype() { return op.outputDType(valueIndex); }

  @Override public List<Expr> shape() { return op.outputShape(valueIndex); }

  public int ndim() { return shape().size(); }

  /** {@code this[indices]}, an expression to use in another compute. */
  public Expr get(Expr... indices) { return new ProducerLoad(this, Arrays.asList(indices)); }

  public Expr get(List<? extends Expr> indices) { return new ProducerLoad(this, List.copyOf(indices)); }

  @Override public String toString() { return "Tensor(" + name() + ", " + dtype() + ")"; }
}
