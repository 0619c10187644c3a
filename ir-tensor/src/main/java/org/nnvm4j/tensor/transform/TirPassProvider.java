package org.nnvm4j.tensor.transform;

import java.util.List;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassProvider;

/** Registers the TIR passes of this module with the global {@link org.nnvm4j.pass.PassRegistry}. */
public final class TirPassProvider implements PassProvider {
  @Override
  public List<Pass<?>> passes() { return List.of(FlattenStorage.pass(), LoopPartition.pass(), VectorizeLoop.pass(), UnrollLoop.pass(), Simplify.pass(),
        StorageRewrite.pass(), RemoveNoOp.pass()); }
}
