package org.nnvm4j.tensor.tir;

import java.util.List;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/** Reads a tensor expression's tensor {@code producer[indices]}; lowering turns it into a {@link BufferLoad}. */
public record ProducerLoad(Producer producer, List<Expr> indices) implements Expr {
  public ProducerLoad {
    indices = List.copyOf(indices);
    InternalCompilerError.check(indices.size() == producer.shape().size(), "%s has rank %d but %d indices given",
        producer.name(), producer.shape().size(), indices.size());
  }

  @Override public DType dtype() { return producer.dtype(); }
}
