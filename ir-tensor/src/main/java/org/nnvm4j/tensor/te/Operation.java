package org.nnvm4j.tensor.te;

import java.util.List;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Expr;

/** An operation producing tensors: a placeholder (an input), a compute, or an extern (a hand-written body). */
public sealed interface Operation permits PlaceholderOp, ComputeOp, ExternOp {
  String name();

  int numOutputs();

  DType outputDType(int i);

  List<Expr> outputShape(int i);

  /** Output {@code i} as a tensor (the same instance every time). */
  Tensor output(int i);

  /** The tensors this operation reads, in order of first use. */
  List<Tensor> inputTensors();
}
