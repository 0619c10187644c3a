package org.nnvm4j.tensor.te;

import java.util.List;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Expr;

/** An input tensor of the given shape and dtype. Identity-compared. */
public final class PlaceholderOp implements Operation {
  private final String name;
  private final List<Expr> shape;
  private final DType dtype;
  private final Tensor out = new Tensor(this, 0);

  PlaceholderOp(String name, List<Expr> shape, DType dtype) {
    this.name = name;
    this.shape = List.copyOf(shape);
    this.dtype = dtype;
  }

  @Override public String name() { return name; }

  @Override public int numOutputs() { return 1; }

  @Override public DType outputDType(int i) { return dtype; }

  @Override public List<Expr> outputShape(int i) { return shape; }

  @Override public Tensor output(int i) { return out; }

  @Override public List<Tensor> inputTensors() { return List.of(); }

  @Override public String toString() { return "placeholder(" + name + ")"; }
}
