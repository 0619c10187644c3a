package org.nnvm4j.tensor.tir;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites statements and the expressions inside them. Every method returns the same instance when
 * nothing below it changed.
 */
public abstract class StmtMutator extends ExprMutator {
  public Stmt mutate(Stmt s) {
    return switch (s) {
      case LetStmt n -> visit(n);
      case AttrStmt n -> visit(n);
      case AssertStmt n -> visit(n);
      case For n -> visit(n);
      case IfThenElse n -> visit(n);
      case SeqStmt n -> visit(n);
      case BufferStore n -> visit(n);
      case Allocate n -> visit(n);
      case Evaluate n -> visit(n);
    };
  }

  protected Stmt visit(LetStmt n) {
    Expr v = mutate(n.value());
    Stmt b = mutate(n.body());
    return v == n.value() && b == n.body() ? n : new LetStmt(n.var(), v, b);
  }

  protected Stmt visit(AttrStmt n) {
    Expr v = mutate(n.value());
    Stmt b = mutate(n.body());
    return v == n.value() && b == n.body() ? n : new AttrStmt(n.node(), n.key(), v, b);
  }

  protected Stmt visit(AssertStmt n) {
    Expr c = mutate(n.condition());
    Stmt b = mutate(n.body());
    return c == n.condition() && b == n.body() ? n : new AssertStmt(c, n.message(), b);
  }

  protected Stmt visit(For n) {
    Expr min = mutate(n.min());
    Expr ext = mutate(n.extent());
    Stmt b = mutate(n.body());
    return min == n.min() && ext == n.extent() && b == n.body() ? n
        : new For(n.loopVar(), min, ext, n.kind(), n.threadTag(), b);
  }

  protected Stmt visit(IfThenElse n) {
    Expr c = mutate(n.condition());
    Stmt t = mutate(n.thenCase());
    Stmt e = n.elseCase() == null ? null : mutate(n.elseCase());
    return c == n.condition() && t == n.thenCase() && e == n.elseCase() ? n : new IfThenElse(c, t, e);
  }

  protected Stmt visit(SeqStmt n) {
    List<Stmt> out = null;
    for (int i = 0; i < n.seq().size(); i++) {
      Stmt s = mutate(n.seq().get(i));
      if (s != n.seq().get(i) && out == null) out = new ArrayList<>(n.seq().subList(0, i));
      if (out != null) out.add(s);
    }
    return out == null ? n : SeqStmt.of(out);
  }

  protected Stmt visit(BufferStore n) {
    Expr v = mutate(n.value());
    List<Expr> idx = mutateAll(n.indices());
    return v == n.value() && idx == n.indices() ? n : new BufferStore(n.buffer(), v, idx);
  }

  protected Stmt visit(Allocate n) {
    Stmt b = mutate(n.body());
    return b == n.body() ? n : new Allocate(n.buffer(), b);
  }

  protected Stmt visit(Evaluate n) {
    Expr v = mutate(n.value());
    return v == n.value() ? n : new Evaluate(v);
  }

  /** {@code body} with every load and store of a key of {@code map} redirected to its value; the same instance when none is touched. */
  public static Stmt substituteBuffers(Stmt body, java.util.Map<Buffer, Buffer> map) {
    return new StmtMutator() {
      @Override
      protected Expr visit(BufferLoad l) {
        List<Expr> idx = mutateAll(l.indices());
        Buffer t = map.getOrDefault(l.buffer(), l.buffer());
        return t == l.buffer() && idx == l.indices() ? l : new BufferLoad(t, idx);
      }

      @Override
      protected Stmt visit(BufferStore s) {
        Expr v = mutate(s.value());
        List<Expr> idx = mutateAll(s.indices());
        Buffer t = map.getOrDefault(s.buffer(), s.buffer());
        return t == s.buffer() && v == s.value() && idx == s.indices() ? s : new BufferStore(t, v, idx);
      }
    }.mutate(body);
  }
}
