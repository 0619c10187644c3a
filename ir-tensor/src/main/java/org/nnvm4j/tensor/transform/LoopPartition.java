package org.nnvm4j.tensor.transform;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.tensor.tir.And;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.IfThenElse;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.LT;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StmtExprVisitor;
import org.nnvm4j.tensor.tir.StmtMutator;
import org.nnvm4j.tensor.tir.Var;

/**
 * Splits a loop whose body is guarded by {@code if (v * f + w < n)} (the guard of a non-divisible split)
 * into a main loop over the iterations where the guard provably holds, without it, and a tail loop that
 * keeps it (TVM's {@code LoopPartition}). Guards are found anywhere in the loop's body, also inside inner
 * loops; a conjunction of guards loses only the proven term. The proof is interval arithmetic over the
 * constant bounds of the loops ({@link Bounds}), so loops of symbolic extent are left alone.
 */
public final class LoopPartition {
  public static final PassInfo INFO = new PassInfo("tir.loop-partition",
      "Split loops guarded by non-divisible splits into a guard-free main part and a guarded tail", 0);

  private LoopPartition() {}

  public static Stmt apply(Stmt body) { return new Partitioner().mutate(body); }

  public static Pass<PrimFunc> pass() { return Pass.of(INFO, PrimFunc.class, (f, ctx) -> f.withBody(apply(f.body()))); }

  private static final class Partitioner extends StmtMutator {
    private final Bounds bounds = new Bounds();

    @Override
    protected Stmt visit(For n) {
      Long lo = IrOps.asLong(n.min());
      Long ext = IrOps.asLong(n.extent());
      if (lo == null || ext == null || ext <= 0 || n.kind() == ForKind.THREAD_BINDING
          || !Bounds.isScalarInt(n.loopVar().dtype())) {
        return super.visit(n);
      }
      List<Var> inner = new ArrayList<>();
      List<LT> terms = guardTerms(n, inner);
      long m = 0;
      LT term = null;
      for (int i = 0; i < terms.size() && m == 0; i++) {
        term = terms.get(i);
        m = provenIterations(n.loopVar(), term, lo, ext);
      }
      inner.forEach(bounds::unbind);
      if (m > 0) {
        Stmt main = dropTerm(n.body(), term);
        if (m == ext) return mutate(n.withBody(main));
        Var v = n.loopVar();
        For head = new For(v, n.min(), IrOps.intImm(v.dtype(), m), n.kind(), n.threadTag(), main);
        For tail = new For(v, IrOps.intImm(v.dtype(), lo + m), IrOps.intImm(v.dtype(), ext - m), n.kind(),
            n.threadTag(), n.body());
        return SeqStmt.of(mutate(head), mutate(tail));
      }
      bounds.bind(n.loopVar(), new Bounds.Interval(lo, lo + ext - 1));
      Stmt body = mutate(n.body());
      bounds.unbind(n.loopVar());
      return n.withBody(body);
    }

    /** How many first iterations of the loop provably satisfy {@code term} (a binary search over the count). */
    private long provenIterations(Var v, LT term, long lo, long ext) {
      long good = 0;
      long bad = ext + 1;
      while (bad - good > 1) {
        long mid = (good + bad) >>> 1;
        bounds.bind(v, new Bounds.Interval(lo, lo + mid - 1));
        Bounds.Interval a = bounds.of(term.a());
        Bounds.Interval b = bounds.of(term.b());
        if (a != null && b != null && a.hi() < b.lo()) good = mid;
        else bad = mid;
      }
      bounds.unbind(v);
      return good;
    }

    /**
     * The {@code <} terms of the guards inside the loop that mention its var. Binds the ranges of the inner
     * constant loops, which the proofs need, and adds their vars to {@code bound} for the caller to unbind.
     */
    private List<LT> guardTerms(For loop, List<Var> bound) {
      List<LT> terms = new ArrayList<>();
      new StmtExprVisitor() {
        @Override
        public void visit(Stmt s) {
          if (s instanceof IfThenElse i) conjuncts(i.condition(), terms, loop.loopVar());
          if (s instanceof For f && IrOps.asLong(f.min()) instanceof Long l && IrOps.asLong(f.extent()) instanceof Long e
              && e > 0 && Bounds.isScalarInt(f.loopVar().dtype())) {
            bounds.bind(f.loopVar(), new Bounds.Interval(l, l + e - 1));
            bound.add(f.loopVar());
          }
          super.visit(s);
        }
      }.visit(loop.body());
      return terms;
    }

    private static void conjuncts(Expr c, List<LT> out, Var v) {
      if (c instanceof And a) {
        conjuncts(a.a(), out, v);
        conjuncts(a.b(), out, v);
      } else if (c instanceof LT lt && mentions(lt, v)) {
        out.add(lt);
      }
    }

    private static boolean mentions(Expr e, Var v) {
      boolean[] found = {false};
      new StmtExprVisitor() {
        @Override protected void visitVar(Var x) { found[0] |= x == v; }
      }.visit(e);
      return found[0];
    }

    /** {@code body} with {@code term} removed from the conditions of its guards ({@code if} of nothing left goes). */
    private static Stmt dropTerm(Stmt body, LT term) {
      return new StmtMutator() {
        @Override
        protected Stmt visit(IfThenElse n) {
          Expr c = without(n.condition(), term);
          Stmt then = mutate(n.thenCase());
          Stmt other = n.elseCase() == null ? null : mutate(n.elseCase());
          if (c == null) return then;
          return c == n.condition() && then == n.thenCase() && other == n.elseCase() ? n : new IfThenElse(c, then, other);
        }
      }.mutate(body);
    }

    /** {@code c} without the conjunct {@code term}; null when nothing is left. */
    private static Expr without(Expr c, LT term) {
      if (c == term) return null;
      if (!(c instanceof And a)) return c;
      Expr l = without(a.a(), term);
      Expr r = without(a.b(), term);
      if (l == a.a() && r == a.b()) return c;
      return l == null ? r : r == null ? l : IrOps.and(l, r);
    }
  }
}
