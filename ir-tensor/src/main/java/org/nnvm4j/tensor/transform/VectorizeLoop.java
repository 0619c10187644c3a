package org.nnvm4j.tensor.transform;

import java.util.List;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.tensor.tir.Add;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.AssertStmt;
import org.nnvm4j.tensor.tir.BinaryExpr;
import org.nnvm4j.tensor.tir.Broadcast;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.Call;
import org.nnvm4j.tensor.tir.Cast;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.ExprMutator;
import org.nnvm4j.tensor.tir.FloorDiv;
import org.nnvm4j.tensor.tir.FloorMod;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.IfThenElse;
import org.nnvm4j.tensor.tir.Intrinsics;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Let;
import org.nnvm4j.tensor.tir.LetStmt;
import org.nnvm4j.tensor.tir.Mul;
import org.nnvm4j.tensor.tir.Not;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.ProducerLoad;
import org.nnvm4j.tensor.tir.Ramp;
import org.nnvm4j.tensor.tir.Reduce;
import org.nnvm4j.tensor.tir.Select;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StmtMutator;
import org.nnvm4j.tensor.tir.Sub;
import org.nnvm4j.tensor.tir.Var;

/**
 * Turns each {@link ForKind#VECTORIZED} loop of constant extent into vector code (TVM's
 * {@code VectorizeLoop}): the loop var becomes {@code ramp(min, 1, lanes)}, loop-invariant scalars are
 * broadcast, loads and stores take ramp indices, and {@code select} stays lane-wise. A body that cannot
 * be vectorized (a nested loop or allocation, a guard or store location that depends on the loop var
 * lane-wise, a call other than {@code popcount}, a let expression of a vector) leaves a serial loop, and the
 * reason goes to the DEBUG log. A let statement of a lane-varying value binds a vector var.
 */
public final class VectorizeLoop {
  public static final PassInfo INFO = new PassInfo("tir.vectorize-loop", "Turn vectorized loops into vector code", 0);
  private static final System.Logger LOG = System.getLogger(VectorizeLoop.class.getName());

  private VectorizeLoop() {}

  public static Stmt apply(Stmt body) { return new Loops().mutate(body); }

  public static Pass<PrimFunc> pass() { return Pass.of(INFO, PrimFunc.class, (f, ctx) -> f.withBody(apply(f.body()))); }

  /** Why a loop body cannot be vectorized; caught at the loop, which then runs serially. */
  private static final class Unvectorizable extends RuntimeException {
    Unvectorizable(String reason) { super(reason, null, false, false); }
  }

  /** Finds vectorized loops, innermost first. */
  private static final class Loops extends StmtMutator {
    @Override
    protected Stmt visit(For n) {
      For inner = (For) super.visit(n);
      if (n.kind() != ForKind.VECTORIZED) return inner;
      Long lanes = IrOps.asLong(inner.extent());
      String why;
      if (lanes == null) {
        why = "extent " + inner.extent() + " is not a constant";
      } else if (lanes <= 1) {
        return new For(inner.loopVar(), inner.min(), inner.extent(), ForKind.SERIAL, inner.body());
      } else {
        try {
          return new Vectorizer(inner.loopVar(), new Ramp(inner.min(), IrOps.one(inner.min().dtype()), lanes.intValue()))
              .mutate(inner.body());
        } catch (Unvectorizable e) {
          why = e.getMessage();
        }
      }
      LOG.log(System.Logger.Level.DEBUG, "tir.vectorize-loop: loop {0} stays serial: {1}", n.loopVar().name(), why);
      return new For(inner.loopVar(), inner.min(), inner.extent(), ForKind.SERIAL, inner.body());
    }
  }

  /** Rewrites one loop body with the loop var replaced by a ramp. */
  private static final class Vectorizer extends StmtMutator {
    private final Var var;
    private final Ramp ramp;
    private final int lanes;

    Vectorizer(Var var, Ramp ramp) {
      this.var = var;
      this.ramp = ramp;
      this.lanes = ramp.lanes();
    }

    private Expr widen(Expr e) {
      int l = e.dtype().lanes();
      if (l == lanes) return e;
      if (l != 1) throw new Unvectorizable("an expression of " + l + " lanes in a loop of " + lanes);
      return new Broadcast(e, lanes);
    }

    private static boolean isVector(Expr e) { return e.dtype().lanes() > 1; }

    /** Let-bound vars whose value became a vector: each stands for a vector var of the same name. */
    private final java.util.Map<Var, Var> widened = new java.util.IdentityHashMap<>();

    @Override protected Expr visit(Var n) { return n == var ? ramp : widened.getOrDefault(n, n); }

    @Override
    protected Expr visit(BinaryExpr n) {
      Expr a = mutate(n.a());
      Expr b = mutate(n.b());
      if (a == n.a() && b == n.b()) return n;
      if (!isVector(a) && !isVector(b)) return ExprMutator.rebuild(n, a, b);
      widen(a); // only checks that a vector operand has this loop's lanes
      widen(b);
      Expr r = rampArith(n, a, b);
      return r != null ? r : ExprMutator.rebuild(n, widen(a), widen(b));
    }

    /** Keeps index arithmetic a ramp: ramp +- scalar, ramp +- ramp, ramp * scalar. */
    private Expr rampArith(BinaryExpr n, Expr a, Expr b) {
      Expr base;
      Expr stride;
      if (n instanceof Add || n instanceof Sub) {
        if (!(a instanceof Ramp || !isVector(a)) || !(b instanceof Ramp || !isVector(b))) return null;
        boolean sub = n instanceof Sub;
        base = combine(sub, baseOf(a), baseOf(b));
        stride = combine(sub, strideOf(a), strideOf(b));
      } else if ((n instanceof FloorDiv || n instanceof FloorMod) && a instanceof Ramp r && !isVector(b)) {
        return blockedRamp(n instanceof FloorDiv, r, b);
      } else if (n instanceof Mul && a instanceof Ramp r && !isVector(b)) {
        base = IrOps.mul(r.base(), b);
        stride = IrOps.mul(r.stride(), b);
      } else if (n instanceof Mul && b instanceof Ramp r && !isVector(a)) {
        base = IrOps.mul(a, r.base());
        stride = IrOps.mul(a, r.stride());
      } else {
        return null;
      }
      return new Ramp(base, stride, lanes);
    }

    /**
     * {@code floordiv(ramp(q*c + o, s, lanes), c)} = {@code q + floordiv(o, c)} on every lane (a scalar), and
     * {@code floormod} of it = {@code ramp(floormod(o, c), s, lanes)}, when the lanes stay within one block of
     * {@code c}: {@code 0 <= floormod(o, c) + s * (lanes - 1) < c}. That is how a vectorized loop reads a
     * blocked layout ({@code T[y / 16, k, y % 16]}) contiguously; null when it does not hold.
     */
    private Expr blockedRamp(boolean div, Ramp r, Expr b) {
      Long c = IrOps.asLong(b);
      Long s = IrOps.asLong(r.stride());
      if (c == null || s == null || c <= 0 || s < 0) return null;
      Expr base = r.base();
      long offset = 0;
      if (base instanceof Add add && IrOps.asLong(add.b()) instanceof Long o) {
        base = add.a();
        offset = o;
      } else if (IrOps.asLong(base) instanceof Long o) {
        base = IrOps.zero(base.dtype());
        offset = o;
      }
      Expr q = IrOps.exactQuotient(base, c);
      long inBlock = Math.floorMod(offset, c);
      if (q == null || inBlock + s * (lanes - 1) >= c) return null;
      if (div) return IrOps.add(q, IrOps.intImm(q.dtype(), Math.floorDiv(offset, c)));
      return new Ramp(IrOps.intImm(r.base().dtype(), inBlock), r.stride(), lanes);
    }

    private static Expr combine(boolean sub, Expr a, Expr b) { return sub ? IrOps.sub(a, b) : IrOps.add(a, b); }

    private static Expr baseOf(Expr e) { return e instanceof Ramp r ? r.base() : e; }

    private static Expr strideOf(Expr e) { return e instanceof Ramp r ? r.stride() : IrOps.zero(e.dtype()); }

    @Override
    protected Expr visit(Cast n) {
      Expr v = mutate(n.value());
      return v == n.value() ? n : new Cast(n.dtype().withLanes(v.dtype().lanes()), v);
    }

    @Override
    protected Expr visit(Not n) {
      Expr a = mutate(n.a());
      return a == n.a() ? n : new Not(a);
    }

    @Override
    protected Expr visit(Select n) {
      Expr c = mutate(n.condition());
      Expr t = mutate(n.trueValue());
      Expr f = mutate(n.falseValue());
      if (c == n.condition() && t == n.trueValue() && f == n.falseValue()) return n;
      if (!isVector(c) && !isVector(t) && !isVector(f)) return new Select(c, t, f);
      return new Select(widen(c), widen(t), widen(f));
    }

    @Override
    protected Expr visit(BufferLoad n) {
      List<Expr> idx = mutateAll(n.indices());
      if (idx.size() != 1) throw new Unvectorizable("a multi-dimensional load of " + n.buffer().name() + "; flatten first");
      return idx == n.indices() ? n : new BufferLoad(n.buffer(), List.of(widen(idx.get(0))));
    }

    @Override
    protected Expr visit(Call n) {
      List<Expr> args = mutateAll(n.args());
      if (args == n.args()) return n;
      if (n.op().equals(Intrinsics.POPCOUNT)) return new Call(n.dtype().withLanes(lanes), n.op(), List.of(widen(args.get(0))));
      if (Intrinsics.isIfThenElse(n) && !isVector(args.get(0))) { // one branch for every lane: the branches widened
        return new Call(n.dtype().withLanes(lanes), n.op(), List.of(args.get(0), widen(args.get(1)), widen(args.get(2))));
      }
      throw new Unvectorizable("call of " + n.op() + " with an argument that depends on the loop var");
    }

    @Override
    protected Expr visit(Let n) {
      Expr v = mutate(n.value());
      Expr b = mutate(n.body());
      if (v != n.value()) throw new Unvectorizable("let " + n.var().name() + " bound to a value that depends on the loop var");
      return b == n.body() ? n : new Let(n.var(), v, b);
    }

    @Override protected Expr visit(ProducerLoad n) { throw new Unvectorizable("a tensor load before lowering"); }

    @Override protected Expr visit(Reduce n) { throw new Unvectorizable("a reduction before lowering"); }

    @Override
    protected Stmt visit(BufferStore n) {
      Expr v = mutate(n.value());
      List<Expr> idx = mutateAll(n.indices());
      if (idx.size() != 1) throw new Unvectorizable("a multi-dimensional store to " + n.buffer().name() + "; flatten first");
      if (v == n.value() && idx == n.indices()) {
        throw new Unvectorizable("store to " + n.buffer().name() + " does not depend on the loop var");
      }
      if (!isVector(idx.get(0))) {
        throw new Unvectorizable("every lane stores to the same location of " + n.buffer().name());
      }
      return new BufferStore(n.buffer(), widen(v), idx);
    }

    @Override
    protected Stmt visit(IfThenElse n) {
      Expr c = mutate(n.condition());
      if (isVector(c)) throw new Unvectorizable("guard " + n.condition() + " depends on the loop var");
      return super.visit(n);
    }

    /** A let of a lane-varying value binds a vector var (a tuple reduction's accumulators and new values). */
    @Override
    protected Stmt visit(LetStmt n) {
      Expr v = mutate(n.value());
      if (v == n.value()) return super.visit(n);
      Var vec = new Var(n.var().name(), widen(v).dtype());
      widened.put(n.var(), vec);
      return new LetStmt(vec, widen(v), mutate(n.body()));
    }

    @Override protected Stmt visit(For n) { throw new Unvectorizable("the body has a nested loop over " + n.loopVar().name()); }

    @Override protected Stmt visit(Allocate n) { throw new Unvectorizable("the body allocates " + n.buffer().name()); }

    @Override
    protected Stmt visit(AssertStmt n) {
      if (mutate(n.condition()) != n.condition()) throw new Unvectorizable("an assertion depends on the loop var");
      return super.visit(n);
    }
  }
}
