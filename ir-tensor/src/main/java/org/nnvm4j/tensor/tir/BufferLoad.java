package org.nnvm4j.tensor.tir;

import java.util.List;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/**
 * Reads {@code buffer[indices]}. Before storage flattening there is one index per dimension; after,
 * one flat index. A vector index (a {@link Ramp}) loads a vector.
 */
public record BufferLoad(Buffer buffer, List<Expr> indices) implements Expr {
  public BufferLoad {
    indices = List.copyOf(indices);
    InternalCompilerError.check(!indices.isEmpty() || buffer.shape().isEmpty(), "BufferLoad of %s without indices",
        buffer.name());
  }

  @Override
  public DType dtype() {
    int lanes = indices.isEmpty() ? 1 : indices.get(indices.size() - 1).dtype().lanes();
    return buffer.dtype().withLanes(buffer.dtype().lanes() * lanes);
  }
}
