package org.nnvm4j.tensor.tir;

import java.util.List;
import org.nnvm4j.tensor.DType;

/** Something a {@link ProducerLoad} reads before lowering: a tensor of a tensor expression. */
public interface Producer {
  String name();

  DType dtype();

  List<Expr> shape();
}
