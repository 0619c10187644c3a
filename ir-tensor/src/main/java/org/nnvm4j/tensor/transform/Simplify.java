package org.nnvm4j.tensor.transform;

import java.util.List;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.tensor.tir.*;

/**
 * Simplifies TIR arithmetic: folds constants, drops identities ({@code x * 1}, {@code x + 0}), puts
 * integer sums in a canonical linear form ({@code (i*4 + 2) + 1 -> i*4 + 3}), rewrites {@code floordiv}
 * and {@code floormod} by constants when loop bounds decide them, and removes branches whose condition
 * the loop bounds prove true or false. Integer rewrites are exact under two's-complement wrapping.
 */
public final class Simplify {
  public static final PassInfo INFO = new PassInfo("tir.simplify",
      "Fold constants, canonicalize integer arithmetic, remove provably dead branches", 0);

  private Simplify() {}

  /** {@code body} simplified; the same instance when nothing changed. */
  public static Stmt apply(Stmt body) { return new Simplifier().mutate(body); }

  /** {@code e} simplified with no knowledge of its vars' bounds; the same instance when nothing changed. */
  public static Expr apply(Expr e) { return new Simplifier().mutate(e); }

  public static Pass<PrimFunc> pass() { return Pass.of(INFO, PrimFunc.class, (f, ctx) -> f.withBody(apply(f.body()))); }

  /** The worker: one per {@code apply} call, holding the bounds of the enclosing loops. */
  private static final class Simplifier extends StmtMutator {
    private final Bounds bounds = new Bounds();
    private final LinearForm.Keys keys = new LinearForm.Keys();

    @Override
    public Expr mutate(Expr e) {
      Expr r = super.mutate(e);
      return r != e && r.equals(e) ? e : r;
    }

    @Override
    public Stmt mutate(Stmt s) {
      Stmt r = super.mutate(s);
      return r != s && r.equals(s) ? s : r;
    }

    @Override
    protected Stmt visit(For n) {
      Expr min = mutate(n.min());
      Expr ext = mutate(n.extent());
      Long lo = IrOps.asLong(min);
      Long count = IrOps.asLong(ext);
      if (count != null && count <= 0) return empty();
      boolean bound = lo != null && count != null && Bounds.isScalarInt(n.loopVar().dtype())
          && Bounds.fits(n.loopVar().dtype(), new Bounds.Interval(lo, lo + count - 1));
      if (bound) bounds.bind(n.loopVar(), new Bounds.Interval(lo, lo + count - 1));
      Stmt body = mutate(n.body());
      if (bound) bounds.unbind(n.loopVar());
      if (body instanceof SeqStmt q && q.seq().isEmpty()) return body;
      return new For(n.loopVar(), min, ext, n.kind(), n.threadTag(), body);
    }

    @Override
    protected Stmt visit(IfThenElse n) {
      Expr c = mutate(n.condition());
      if (c instanceof IntImm i) {
        if (i.value() != 0) return mutate(n.thenCase());
        return n.elseCase() != null ? mutate(n.elseCase()) : empty();
      }
      Stmt t = mutate(n.thenCase());
      Stmt e = n.elseCase() == null ? null : mutate(n.elseCase());
      return new IfThenElse(c, t, e);
    }

    private static Stmt empty() { return new SeqStmt(List.of()); }

    @Override
    protected Expr visit(Cast n) { return IrOps.cast(n.dtype(), mutate(n.value())); }

    @Override
    protected Expr visit(Not n) { return IrOps.not(mutate(n.a())); }

    /** {@code if_then_else} with a decided condition becomes its branch; popcount of a constant folds. */
    @Override
    protected Expr visit(Call n) {
      if (Intrinsics.isIfThenElse(n)) {
        Expr c = mutate(n.args().get(0));
        if (c instanceof IntImm i) return mutate(n.args().get(i.value() != 0 ? 1 : 2));
        Expr t = mutate(n.args().get(1));
        Expr f = mutate(n.args().get(2));
        if (t.equals(f)) return t;
        return new Call(n.dtype(), n.op(), List.of(c, t, f));
      }
      Expr r = super.visit(n);
      return r instanceof Call c && c.op().equals(Intrinsics.POPCOUNT) && c.args().get(0) instanceof IntImm ? IrOps.popcount(c.args().get(0)) : r;
    }

    @Override
    protected Expr visit(Select n) {
      Expr c = mutate(n.condition());
      if (c instanceof IntImm i) return mutate(i.value() != 0 ? n.trueValue() : n.falseValue());
      return new Select(c, mutate(n.trueValue()), mutate(n.falseValue()));
    }

    @Override
    protected Expr visit(BinaryExpr n) {
      Expr a = mutate(n.a());
      Expr b = mutate(n.b());
      boolean intArith = Bounds.isScalarInt(a.dtype());
      boolean signed = intArith && a.dtype().isInt();
      return switch (n) {
        case Add x -> intArith ? linear(new Add(a, b)) : IrOps.add(a, b);
        case Sub x -> intArith ? linear(new Sub(a, b)) : IrOps.sub(a, b);
        case Mul x -> intArith ? linear(new Mul(a, b)) : IrOps.mul(a, b);
        case Div x -> signed ? divMod(x, a, b, false) : IrOps.div(a, b);
        case Mod x -> signed ? divMod(x, a, b, true) : IrOps.mod(a, b);
        case FloorDiv x -> signed ? divMod(x, a, b, false) : IrOps.floorDiv(a, b);
        case FloorMod x -> signed ? divMod(x, a, b, true) : IrOps.floorMod(a, b);
        case Min x -> signed ? minMax(a, b, true) : IrOps.min(a, b);
        case Max x -> signed ? minMax(a, b, false) : IrOps.max(a, b);
        case EQ x -> signed ? compare(x, a, b) : IrOps.eq(a, b);
        case NE x -> signed ? compare(x, a, b) : IrOps.ne(a, b);
        case LT x -> signed ? compare(x, a, b) : IrOps.lt(a, b);
        case LE x -> signed ? compare(x, a, b) : IrOps.le(a, b);
        case GT x -> signed ? compare(x, a, b) : IrOps.gt(a, b);
        case GE x -> signed ? compare(x, a, b) : IrOps.ge(a, b);
        case And x -> IrOps.and(a, b);
        case Or x -> IrOps.or(a, b);
      };
    }

    private Expr linear(Expr e) { return LinearForm.of(e, keys).toExpr(); }

    private Expr minMax(Expr a, Expr b, boolean isMin) {
      if (a.equals(b)) return a;
      Bounds.Interval ia = bounds.of(a);
      Bounds.Interval ib = bounds.of(b);
      if (ia != null && ib != null) {
        if (ia.hi() <= ib.lo()) return isMin ? a : b;
        if (ib.hi() <= ia.lo()) return isMin ? b : a;
      }
      return isMin ? IrOps.min(a, b) : IrOps.max(a, b);
    }

    /** A comparison decided from the interval of {@code a - b}, else folded. */
    private Expr compare(BinaryExpr n, Expr a, Expr b) {
      Bounds.Interval d = difference(a, b);
      if (d != null) {
        Boolean v = switch (n) {
          case LT x -> d.hi() < 0 ? Boolean.TRUE : d.lo() >= 0 ? Boolean.FALSE : null;
          case LE x -> d.hi() <= 0 ? Boolean.TRUE : d.lo() > 0 ? Boolean.FALSE : null;
          case GT x -> d.lo() > 0 ? Boolean.TRUE : d.hi() <= 0 ? Boolean.FALSE : null;
          case GE x -> d.lo() >= 0 ? Boolean.TRUE : d.hi() < 0 ? Boolean.FALSE : null;
          case EQ x -> d.lo() == 0 && d.hi() == 0 ? Boolean.TRUE : d.lo() > 0 || d.hi() < 0 ? Boolean.FALSE : null;
          case NE x -> d.lo() == 0 && d.hi() == 0 ? Boolean.FALSE : d.lo() > 0 || d.hi() < 0 ? Boolean.TRUE : null;
          case Add x -> null;
          case Sub x -> null;
          case Mul x -> null;
          case Div x -> null;
          case Mod x -> null;
          case FloorDiv x -> null;
          case FloorMod x -> null;
          case Min x -> null;
          case Max x -> null;
          case And x -> null;
          case Or x -> null;
        };
        if (v != null) return IrOps.bool(v);
      }
      return ExprMutator.rebuild(n, a, b);
    }

    /**
     * The mathematical interval of {@code a - b}, or null. The intervals of {@code a} and {@code b}
     * bound it; when that bound cannot wrap, the linear form of {@code a - b} (which sees that
     * {@code i + 1 - i} is 1) gives the exact value set, also without wrapping.
     */
    private Bounds.Interval difference(Expr a, Expr b) {
      Bounds.Interval ia = bounds.of(a);
      Bounds.Interval ib = bounds.of(b);
      if (ia == null || ib == null) return null;
      Bounds.Interval coarse;
      try {
        coarse = new Bounds.Interval(Math.subtractExact(ia.lo(), ib.hi()), Math.subtractExact(ia.hi(), ib.lo()));
      } catch (ArithmeticException overflow) {
        return null;
      }
      if (!Bounds.fits(a.dtype(), coarse)) return null;
      Bounds.Interval fine = LinearForm.of(new Sub(a, b), keys).interval(bounds);
      if (fine == null) return coarse;
      return new Bounds.Interval(Math.max(coarse.lo(), fine.lo()), Math.min(coarse.hi(), fine.hi()));
    }

    /**
     * {@code a / c} or {@code a % c} for a constant {@code c > 0} (floor or, for {@code a >= 0},
     * truncating). With {@code a = c*q + r} exactly: {@code a / c = q + r / c} and {@code a % c = r % c},
     * and {@code r / c} is a constant when the bounds of {@code r} fall in one multiple of {@code c}.
     */
    private Expr divMod(BinaryExpr n, Expr a, Expr b, boolean isMod) {
      Expr folded = foldDivMod(n, a, b);
      Long c = IrOps.asLong(b);
      if (folded instanceof IntImm || c == null || c <= 0) return folded;
      Bounds.Interval ia = bounds.of(a);
      boolean floor = n instanceof FloorDiv || n instanceof FloorMod;
      if (ia == null || (!floor && ia.lo() < 0)) return folded;
      LinearForm[] qr = LinearForm.of(a, keys).divMod(c);
      LinearForm q = qr[0];
      LinearForm r = qr[1];
      Bounds.Interval ir = r.interval(bounds);
      Bounds.Interval iq = q.interval(bounds);
      if (ir == null || iq == null || !exact(ia, iq, ir, c, a)) return folded;
      long lo = Math.floorDiv(ir.lo(), c);
      if (Math.floorDiv(ir.hi(), c) == lo) return isMod ? r.plus(-lo * c).toExpr() : q.plus(lo).toExpr();
      if (!floor || q.isConstant()) return folded;
      Expr rest = r.toExpr();
      return isMod ? new FloorMod(rest, b) : linear(new Add(q.toExpr(), new FloorDiv(rest, b)));
    }

    /** Whether {@code a = c*q + r} holds in mathematical (not wrapped) arithmetic for these intervals. */
    private static boolean exact(Bounds.Interval ia, Bounds.Interval iq, Bounds.Interval ir, long c, Expr a) {
      try {
        Bounds.Interval cq = new Bounds.Interval(Math.multiplyExact(c, iq.lo()), Math.multiplyExact(c, iq.hi()));
        Bounds.Interval rest = new Bounds.Interval(Math.subtractExact(ia.lo(), ir.hi()), Math.subtractExact(ia.hi(), ir.lo()));
        return Bounds.fits(a.dtype(), cq) && Bounds.fits(a.dtype(), rest);
      } catch (ArithmeticException overflow) {
        return false;
      }
    }

    private static Expr foldDivMod(BinaryExpr n, Expr a, Expr b) {
      return switch (n) {
        case Div x -> IrOps.div(a, b);
        case Mod x -> IrOps.mod(a, b);
        case FloorDiv x -> IrOps.floorDiv(a, b);
        case FloorMod x -> IrOps.floorMod(a, b);
        case Add x -> x;
        case Sub x -> x;
        case Mul x -> x;
        case Min x -> x;
        case Max x -> x;
        case EQ x -> x;
        case NE x -> x;
        case LT x -> x;
        case LE x -> x;
        case GT x -> x;
        case GE x -> x;
        case And x -> x;
        case Or x -> x;
      };
    }
  }
}
