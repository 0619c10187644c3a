package org.nnvm4j.tensor.te;

import java.util.List;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.ProducerLoad;
import org.nnvm4j.tensor.tir.StmtExprVisitor;
import org.nnvm4j.tensor.tir.TirPrinter;
import org.nnvm4j.tensor.tir.Var;
import org.nnvm4j.tensor.transform.Simplify;

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

  /** {@link Te#scan}: checks the parts' shapes and dtypes and that the update reads earlier rows only. */
  static Tensor build(Tensor init, Tensor update, Tensor state, String name) {
    if (!(state.op() instanceof PlaceholderOp)) throw CompileException.invalid("scan '%s': the state %s must be a placeholder", name, state.name());
    if (!(init.op() instanceof ComputeOp) || !(update.op() instanceof ComputeOp u) || init.op().numOutputs() != 1
        || update.op().numOutputs() != 1) {
      throw CompileException.invalid("scan '%s': init and update must be single-output computes", name);
    }
    if (!init.dtype().equals(state.dtype()) || !update.dtype().equals(state.dtype())) {
      throw CompileException.invalid("scan '%s': init %s, update %s and state %s must have one dtype", name, init.dtype(),
          update.dtype(), state.dtype());
    }
    int rank = state.ndim();
    if (rank < 1 || update.ndim() != rank || init.ndim() != rank) {
      throw CompileException.invalid("scan '%s': init, update and state must have one rank >= 1, were %d, %d, %d", name,
          init.ndim(), update.ndim(), rank);
    }
    for (int d = 0; d < rank; d++) {
      if (!sameExtent(update.shape().get(d), state.shape().get(d)) || d > 0 && !sameExtent(init.shape().get(d), state.shape().get(d))) {
        throw CompileException.invalid("scan '%s': dimension %d differs between init %s, update %s and state %s", name, d,
            shapeText(init), shapeText(update), shapeText(state));
      }
    }
    Long initRows = IrOps.asLong(init.shape().get(0));
    Long rows = IrOps.asLong(state.shape().get(0));
    if (initRows == null || initRows < 1 || rows != null && initRows > rows) {
      throw CompileException.invalid("scan '%s': init has %s rows; expected a constant from 1 to the scan's %s", name,
          TirPrinter.print(init.shape().get(0)), TirPrinter.print(state.shape().get(0)));
    }
    if (init.op().inputTensors().contains(state)) throw CompileException.invalid("scan '%s': init reads the state", name);
    Var t = u.axis().get(0).var();
    new StmtExprVisitor() {
      @Override
      public void visit(Expr e) {
        if (e instanceof ProducerLoad p && p.producer() == state) {
          Long back = IrOps.asLong(Simplify.apply(IrOps.sub(t, p.indices().get(0))));
          if (back == null || back < 1) {
            throw CompileException.invalid("scan '%s': update reads %s at row %s; only earlier rows (t - c, c >= 1) are"
                + " computed", name, state.name(), TirPrinter.print(p.indices().get(0)));
          }
        }
        super.visit(e);
      }
    }.visit(u.body().get(0));
    return new ScanOp(name, init, update, state).output(0);
  }

  private static List<String> shapeText(Tensor t) { return t.shape().stream().map(TirPrinter::print).toList(); }

  private static boolean sameExtent(Expr a, Expr b) {
    return a == b || IrOps.asLong(a) != null && IrOps.asLong(a).equals(IrOps.asLong(b)) || a.equals(b);
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
