package org.nnvm4j.tensor.te;

import java.util.List;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Expr;

/**
 * A recurrence over the first axis (TVM's {@code te.scan}): the output is {@code state}'s shape; its first
 * {@code init}'s extent rows are {@code init}, and every later row {@code t} is {@code update[t]}, which reads
 * earlier rows through the placeholder {@code state}. Lowering writes both into the scan's one buffer: the
 * init nest, then a serial loop over {@code t} around the update nest restricted to row {@code t}. The init
 * and update stages can be scheduled (split, vectorize, ...) but not inlined or computed elsewhere.
 */
public final class ScanOp implements Operation {
  private final String name;
  private final Tensor init;
  private final Tensor update;
  private final Tensor state;
  private final Tensor out = new Tensor(this, 0);

  ScanOp(String name, Tensor init, Tensor update, Tensor state) {
    this.name = name;
    this.init = init;
    this.update = update;
    this.state = state;
  }

  @Override public String name() { return name; }

  /** The first rows. */
  public Tensor init() { return init; }

  /** Every later row, as a function of the earlier rows read through {@link #state()}. */
  public Tensor update() { return update; }

  /** The placeholder through which {@link #update()} reads earlier rows. */
  public Tensor state() { return state; }

  @Override public int numOutputs() { return 1; }

  @Override public DType outputDType(int i) { return state.dtype(); }

  @Override public List<Expr> outputShape(int i) { return state.shape(); }

  @Override public Tensor output(int i) { return out; }

  /** The init and update tensors (their stages belong to the scan). */
  @Override public List<Tensor> inputTensors() { return List.of(init, update); }

  @Override public String toString() { return "scan(" + name + ")"; }
}
