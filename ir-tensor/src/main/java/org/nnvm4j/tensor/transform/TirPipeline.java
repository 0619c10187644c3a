package org.nnvm4j.tensor.transform;

import org.nnvm4j.pass.Sequential;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * The TIR passes that {@link org.nnvm4j.tensor.schedule.Lower} runs after building the loop nests, in TVM's
 * order: flatten, partition guarded loops, vectorize, unroll, simplify, share storage, remove no-ops.
 */
public final class TirPipeline {
  private TirPipeline() {}

  public static Sequential<PrimFunc> build() {
    return Sequential.of("tir.lower", PrimFunc.class, FlattenStorage.pass(), LoopPartition.pass(), VectorizeLoop.pass(),
        UnrollLoop.pass(), Simplify.pass(), StorageRewrite.pass(), RemoveNoOp.pass());
  }
}
