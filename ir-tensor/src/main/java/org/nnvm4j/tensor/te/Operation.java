package org.nnvm4j.tensor.te;

import java.util.List;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Expr;

/** An operation producing tensors: a placeholder (an input), a compute, an extern (a hand-written body) or a scan (a recurrence). */
public sealed interface Operation permits PlaceholderOp, ComputeOp, ExternOp, ScanOp {
  String name();

  int numOutputs();

  DType outputDType(int i);

  List<Expr> outputShape(int i);

  /** Output {@code i} as a tensor (the same instance every time). */
  Tensor output(int i);

  /** The tensors this operation reads, in order of first use. */
  List<Tensor> inputTensors();
}
