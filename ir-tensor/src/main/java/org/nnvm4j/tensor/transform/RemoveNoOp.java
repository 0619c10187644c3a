package org.nnvm4j.tensor.transform;

import java.util.List;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.AssertStmt;
import org.nnvm4j.tensor.tir.AttrStmt;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.Evaluate;
import org.nnvm4j.tensor.tir.FloatImm;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.IfThenElse;
import org.nnvm4j.tensor.tir.IntImm;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.LetStmt;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StmtMutator;
import org.nnvm4j.tensor.tir.StringImm;
import org.nnvm4j.tensor.tir.Var;

/**
 * Removes statements that do nothing (TVM's {@code RemoveNoOp}): loops, allocations, lets and attributes
 * around nothing; {@code if}s whose branches are empty; stores of a location's own value to it; evaluations
 * of constants. The empty statement is the empty {@link SeqStmt}.
 */
public final class RemoveNoOp {
  public static final PassInfo INFO = new PassInfo("tir.remove-no-op", "Remove statements that do nothing", 0);

  private RemoveNoOp() {}

  public static Stmt apply(Stmt body) { return new Remover().mutate(body); }

  public static Pass<PrimFunc> pass() { return Pass.of(INFO, PrimFunc.class, (f, ctx) -> f.withBody(apply(f.body()))); }

  /** Whether {@code s} is the empty statement. */
  static boolean isNoOp(Stmt s) { return s instanceof SeqStmt q && q.seq().isEmpty(); }

  private static final Stmt EMPTY = new SeqStmt(List.of());

  private static final class Remover extends StmtMutator {
    /** Loops, lets, attributes and allocations around nothing are nothing. */
    @Override
    public Stmt mutate(Stmt s) {
      Stmt r = super.mutate(s);
      Stmt body = switch (r) {
        case For n -> n.body();
        case LetStmt n -> n.body();
        case AttrStmt n -> n.body();
        case Allocate n -> n.body();
        case AssertStmt n -> null;
        case IfThenElse n -> null;
        case SeqStmt n -> null;
        case BufferStore n -> null;
        case Evaluate n -> null;
      };
      return body != null && isNoOp(body) ? EMPTY : r;
    }

    @Override
    protected Stmt visit(IfThenElse n) {
      Stmt then = mutate(n.thenCase());
      Stmt other = n.elseCase() == null ? null : mutate(n.elseCase());
      if (other != null && isNoOp(other)) other = null;
      if (isNoOp(then)) return other == null ? EMPTY : new IfThenElse(IrOps.not(n.condition()), other, null);
      return then == n.thenCase() && other == n.elseCase() ? n : new IfThenElse(n.condition(), then, other);
    }

    @Override
    protected Stmt visit(BufferStore n) {
      if (n.value() instanceof BufferLoad l && l.buffer() == n.buffer() && l.indices().equals(n.indices())) return EMPTY;
      return n;
    }

    @Override
    protected Stmt visit(Evaluate n) {
      return n.value() instanceof IntImm || n.value() instanceof FloatImm || n.value() instanceof StringImm
          || n.value() instanceof Var ? EMPTY : n;
    }

    @Override
    protected Stmt visit(SeqStmt n) {
      Stmt s = super.visit(n);
      if (!(s instanceof SeqStmt q) || q.seq().stream().noneMatch(RemoveNoOp::isNoOp)) return s;
      return SeqStmt.of(q.seq().stream().filter(x -> !isNoOp(x)).toList());
    }
  }
}
