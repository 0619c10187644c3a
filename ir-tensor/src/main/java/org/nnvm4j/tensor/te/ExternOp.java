package org.nnvm4j.tensor.te;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.Stmt;

/**
 * An operation whose body is hand-written TIR (TVM's {@code te.extern}): the body reads the inputs through
 * {@link #inputBuffers()} and writes its outputs, of declared shapes, through {@link #outputBuffers()};
 * lowering places it as one statement with those buffers bound to the real ones. The body may call external
 * functions ({@code call_extern}, {@link org.nnvm4j.tensor.tir.Intrinsics#CALL_EXTERN}). Identity-compared.
 */
public final class ExternOp implements Operation {
  private final String name;
  private final List<Tensor> inputs;
  private final List<Buffer> inputBuffers;
  private final List<Buffer> outputBuffers;
  private final Stmt body;
  private final List<Tensor> outputs = new ArrayList<>();

  ExternOp(String name, List<Tensor> inputs, List<Buffer> inputBuffers, List<Buffer> outputBuffers, Stmt body) {
    this.name = name;
    this.inputs = List.copyOf(inputs);
    this.inputBuffers = List.copyOf(inputBuffers);
    this.outputBuffers = List.copyOf(outputBuffers);
    this.body = body;
    for (int i = 0; i < outputBuffers.size(); i++) outputs.add(new Tensor(this, i));
  }

  @Override public String name() { return name; }

  /** The buffers the body reads, one per input tensor, in order. */
  public List<Buffer> inputBuffers() { return inputBuffers; }

  /** The buffers the body writes, one per output. */
  public List<Buffer> outputBuffers() { return outputBuffers; }

  /** The hand-written body, over {@link #inputBuffers()} and {@link #outputBuffers()}. */
  public Stmt body() { return body; }

  @Override public int numOutputs() { return outputBuffers.size(); }

  @Override public DType outputDType(int i) { return outputBuffers.get(i).dtype(); }

  @Override public List<Expr> outputShape(int i) { return outputBuffers.get(i).shape(); }

  @Override public Tensor output(int i) { return outputs.get(i); }

  @Override public List<Tensor> inputTensors() { return inputs; }

  @Override public String toString() { return "extern(" + name + ")"; }
}
