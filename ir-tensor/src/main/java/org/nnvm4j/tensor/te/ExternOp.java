package org.nnvm4j.tensor.te;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.ProducerLoad;
import org.nnvm4j.tensor.tir.Reduce;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StmtExprVisitor;

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

  /** {@link Te#extern}: builds the body over fresh buffers and checks every buffer it touches. */
  static List<Tensor> build(List<List<? extends Expr>> shapes, List<DType> dtypes, List<Tensor> inputs,
      BiFunction<List<Buffer>, List<Buffer>, Stmt> body, String name) {
    if (shapes.isEmpty()) throw CompileException.invalid("extern '%s': no outputs", name);
    if (shapes.size() != dtypes.size()) {
      throw CompileException.invalid("extern '%s': %d output shapes but %d dtypes", name, shapes.size(), dtypes.size());
    }
    List<Buffer> ins = new ArrayList<>();
    for (Tensor t : inputs) ins.add(Buffer.of(t.name(), t.dtype(), t.shape()));
    List<Buffer> outs = new ArrayList<>();
    for (int i = 0; i < shapes.size(); i++) {
      Te.checkShape(shapes.get(i), name);
      outs.add(Buffer.of(shapes.size() == 1 ? name : name + ".v" + i, dtypes.get(i), List.copyOf(shapes.get(i))));
    }
    Stmt s = body.apply(List.copyOf(ins), List.copyOf(outs));
    if (s == null) throw CompileException.invalid("extern '%s': the body builder returned no statement", name);
    Set<Buffer> known = Collections.newSetFromMap(new IdentityHashMap<>());
    known.addAll(ins);
    known.addAll(outs);
    new StmtExprVisitor() {
      @Override
      public void visit(Stmt st) {
        if (st instanceof Allocate a) known.add(a.buffer());
        if (st instanceof BufferStore bs && ins.contains(bs.buffer())) {
          throw CompileException.invalid("extern '%s': the body writes input buffer %s", name, bs.buffer().name());
        }
        if (st instanceof BufferStore bs && !known.contains(bs.buffer())) unknown(bs.buffer());
        super.visit(st);
      }

      @Override
      protected void visitLoad(BufferLoad n) {
        if (!known.contains(n.buffer())) unknown(n.buffer());
        super.visitLoad(n);
      }

      @Override
      public void visit(Expr e) {
        if (e instanceof ProducerLoad || e instanceof Reduce) {
          throw CompileException.invalid("extern '%s': the body holds the tensor expression %s; read inputs through"
              + " the buffers it is given", name, e);
        }
        super.visit(e);
      }

      private void unknown(Buffer b) {
        throw CompileException.invalid("extern '%s': the body accesses buffer %s, which is neither an input, an output"
            + " nor allocated in the body", name, b.name());
      }
    }.visit(s);
    ExternOp op = new ExternOp(name, inputs, ins, outs, s);
    List<Tensor> result = new ArrayList<>();
    for (int i = 0; i < outs.size(); i++) result.add(op.output(i));
    return List.copyOf(result);
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
