package org.nnvm4j.tensor.schedule;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Operation;
import org.nnvm4j.tensor.te.ScanOp;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.Var;

/**
 * Lowers the {@link ScanOp}s of a schedule for {@link Lower}: the init, update and state tensors of a scan
 * all live in the scan's buffer; its nest is the init stage's nest, then a serial loop over the rows after
 * it around the update stage's nest restricted to one row ({@link StageNest#row}).
 */
final class ScanNest {
  private ScanNest() {}

  /** The init, update and state operations of every scan in {@code s}, each mapped to its scan; validated. */
  static Map<Operation, ScanOp> parts(Schedule s, String name, List<Tensor> args) {
    Map<Operation, ScanOp> parts = new IdentityHashMap<>();
    for (Stage st : s.stages()) {
      if (!(st.op() instanceof ScanOp sc)) continue;
      for (Tensor t : List.of(sc.init(), sc.update(), sc.state())) {
        parts.put(t.op(), sc);
        if (args.contains(t)) throw error(sc, "function '" + name + "': " + t.name() + " belongs to scan '" + sc.name()
            + "' and has no buffer of its own; pass the scan's output");
      }
      for (Tensor t : List.of(sc.init(), sc.update())) {
        Stage ps = s.get(t);
        if (ps.isInlined() || ps.attachStage() != null) {
          throw error(sc, "stage '" + t.op().name() + "' is the " + (t == sc.init() ? "init" : "update") + " of scan '"
              + sc.name() + "'; it cannot be inlined or computed at another stage");
        }
      }
    }
    for (Stage st : s.stages()) {
      if (st.op() instanceof ScanOp || parts.containsKey(st.op())) continue;
      for (Tensor in : st.op().inputTensors()) {
        ScanOp sc = parts.get(in.op());
        if (sc != null && !(st.op() instanceof ComputeOp c && parts.get(c) == sc)) {
          throw error(sc, "stage '" + st.op().name() + "' reads " + in.name() + ", a part of scan '" + sc.name()
              + "'; read the scan's output instead");
        }
      }
    }
    return parts;
  }

  /** Makes the scan's init, update and state tensors use its buffer. */
  static void bind(ScanOp sc, Map<Tensor, Buffer> buffers) {
    Buffer b = buffers.get(sc.output(0));
    for (Tensor t : List.of(sc.init(), sc.update(), sc.state())) buffers.put(t, b);
  }

  /** The init nest, then {@code for (t, initRows, rows - initRows)} around the update nest for row {@code t}. */
  static Stmt build(ScanOp sc, StageNest.Ctx ctx) {
    Stage init = ctx.schedule().get(sc.init());
    Stage update = ctx.schedule().get(sc.update());
    Expr initRows = sc.init().shape().get(0);
    Expr rows = sc.state().shape().get(0);
    Var t = new Var(sc.name() + ".t", rows.dtype());
    Stmt step = StageNest.row(update, ctx, t);
    return SeqStmt.of(StageNest.root(init, ctx), new For(t, IrOps.cast(rows.dtype(), initRows),
        IrOps.sub(rows, IrOps.cast(rows.dtype(), initRows)), ForKind.SERIAL, step));
  }

  private static CompileException error(ScanOp sc, String message) {
    return new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(sc.name(), "scan"), message);
  }
}
