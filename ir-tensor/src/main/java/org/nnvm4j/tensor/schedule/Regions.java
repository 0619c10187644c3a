package org.nnvm4j.tensor.schedule;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.tensor.tir.Add;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.FloorDiv;
import org.nnvm4j.tensor.tir.FloorMod;
import org.nnvm4j.tensor.tir.IntImm;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Mul;
import org.nnvm4j.tensor.tir.Range;
import org.nnvm4j.tensor.tir.StmtExprVisitor;
import org.nnvm4j.tensor.tir.Sub;
import org.nnvm4j.tensor.tir.Var;

/**
 * Bound inference for {@link Stage#computeAt}: the region of a producer that a consumer's accesses touch
 * while the consumer's loops inside the attach point run over their whole ranges ("relaxed" vars). An index
 * {@code rest + c + sum(a_k * v_k)}, affine in the relaxed vars {@code v_k} with constant {@code a_k} and
 * constant loop extents, spans {@code [rest + c + sum(min(0, a_k) * (e_k - 1)), ... + sum(|a_k| * (e_k - 1))]};
 * accesses with the same {@code rest} are united exactly (conv windows, tiles); so are {@code floordiv} and
 * {@code floormod} by a constant that divides {@code rest} (blocked layouts). Anything else falls back
 * to the producer's whole extent in that dimension.
 */
final class Regions {
  private Regions() {}

  /**
   * The region, per dimension of a producer of {@code shape}, that {@code accesses} (index lists) touch when
   * the vars of {@code relaxed} run over {@code [0, extent)}.
   */
  static List<Range> infer(List<List<Expr>> accesses, List<Expr> shape, Map<Var, Expr> relaxed) {
    List<Range> out = new ArrayList<>();
    for (int d = 0; d < shape.size(); d++) {
      Expr rest = null;
      long lo = Long.MAX_VALUE;
      long hi = Long.MIN_VALUE;
      boolean exact = !accesses.isEmpty();
      for (List<Expr> idx : accesses) {
        Span a = exact ? Span.of(idx.get(d), relaxed) : null;
        if (a == null || (rest != null && !rest.equals(a.rest())) || (rest == null && lo <= hi && a.rest() != null)) {
          exact = false;
          break;
        }
        rest = a.rest();
        lo = Math.min(lo, a.lo());
        hi = Math.max(hi, a.hi());
      }
      Expr ext = shape.get(d);
      if (!exact) {
        out.add(Range.fromExtent(ext));
        continue;
      }
      Long full = IrOps.asLong(ext);
      long count = hi - lo + 1;
      if (rest == null && full != null && lo >= 0 && hi < full && count == full) {
        out.add(Range.fromExtent(ext));
        continue;
      }
      Expr min = IrOps.intImm(ext.dtype(), lo);
      if (rest != null) min = IrOps.add(rest, min);
      out.add(new Range(min, IrOps.intImm(ext.dtype(), count)));
    }
    return out;
  }

  /**
   * The values {@code rest + [lo, hi]} an index takes: affine, or {@code floordiv}/{@code floormod} by a
   * constant {@code c} of an affine index whose {@code rest} is a multiple of {@code c} (blocked layouts:
   * {@code floordiv(co*16 + ci, 16)} spans the one block {@code co}).
   */
  private record Span(Expr rest, long lo, long hi) {
    static Span of(Expr e, Map<Var, Expr> relaxed) {
      Expr num = e instanceof FloorDiv n ? n.a() : e instanceof FloorMod n ? n.a() : null;
      Long c = e instanceof FloorDiv n ? IrOps.asLong(n.b()) : e instanceof FloorMod n ? IrOps.asLong(n.b()) : null;
      if (num == null) {
        Affine a = Affine.of(e, relaxed);
        if (a != null) {
          long[] span = a.span(relaxed);
          return new Span(a.rest(), span[0], span[1]);
        }
        return sumOf(e, relaxed);
      }
      if (!mentions(e, relaxed)) return new Span(e, 0, 0);
      Span s = c == null || c <= 0 ? null : of(num, relaxed);
      if (s == null) return null;
      Expr q = s.rest == null ? null : divExact(s.rest, c);
      if (s.rest != null && q == null) return null;
      if (e instanceof FloorDiv) return new Span(q, Math.floorDiv(s.lo, c), Math.floorDiv(s.hi, c));
      if (Math.floorDiv(s.lo, c) == Math.floorDiv(s.hi, c)) return new Span(null, Math.floorMod(s.lo, c), Math.floorMod(s.hi, c));
      return new Span(null, 0, c - 1);
    }

    /** A sum, difference or constant multiple of spans (a sound bound, e.g. {@code co + floordiv(ci, 16)}). */
    private static Span sumOf(Expr e, Map<Var, Expr> relaxed) {
      if (e instanceof Add n) {
        Span a = of(n.a(), relaxed), b = of(n.b(), relaxed);
        return a == null || b == null ? null : new Span(plus(a.rest, b.rest), a.lo + b.lo, a.hi + b.hi);
      }
      if (e instanceof Sub n) {
        Span a = of(n.a(), relaxed), b = of(n.b(), relaxed);
        if (a == null || b == null) return null;
        Expr negB = b.rest == null ? null : IrOps.mul(b.rest, IrOps.intImm(b.rest.dtype(), -1));
        return new Span(plus(a.rest, negB), a.lo - b.hi, a.hi - b.lo);
      }
      if (e instanceof Mul n && Scaled.of(n) instanceof Scaled(long k, Expr other)) {
        Span a = of(other, relaxed);
        if (a == null) return null;
        Expr r = a.rest == null ? null : IrOps.mul(a.rest, IrOps.intImm(a.rest.dtype(), k));
        return k >= 0 ? new Span(r, a.lo * k, a.hi * k) : new Span(r, a.hi * k, a.lo * k);
      }
      return null;
    }

    private static Expr plus(Expr a, Expr b) { return a == null ? b : b == null ? a : IrOps.add(a, b); }

    /** {@code e / c} when {@code e} is visibly a multiple of {@code c}, else null. */
    private static Expr divExact(Expr e, long c) { return IrOps.exactQuotient(e, c); }
  }

  /** {@code k * other}: a product with a constant factor on either side. */
  private record Scaled(long k, Expr other) {
    static Scaled of(Mul n) {
      Long k = IrOps.asLong(n.b());
      if (k != null) return new Scaled(k, n.a());
      k = IrOps.asLong(n.a());
      return k == null ? null : new Scaled(k, n.b());
    }
  }

  /** {@code rest + constant + sum(coef[v] * v)} over the relaxed vars; {@code rest} is null when zero. */
  private record Affine(Expr rest, long constant, Map<Var, Long> coef) {
    static Affine of(Expr e, Map<Var, Expr> relaxed) {
      if (e instanceof IntImm i) return new Affine(null, i.value(), Map.of());
      if (e instanceof Var v && relaxed.containsKey(v)) {
        return IrOps.asLong(relaxed.get(v)) == null ? null : new Affine(null, 0, Map.of(v, 1L));
      }
      if (e instanceof Add n) return combine(of(n.a(), relaxed), of(n.b(), relaxed), 1);
      if (e instanceof Sub n) return combine(of(n.a(), relaxed), of(n.b(), relaxed), -1);
      if (e instanceof Mul n) {
        if (!(Scaled.of(n) instanceof Scaled(long k, Expr other))) return mentions(e, relaxed) ? null : new Affine(e, 0, Map.of());
        Affine a = of(other, relaxed);
        return a == null ? null : a.scale(k);
      }
      return mentions(e, relaxed) ? null : new Affine(e, 0, Map.of());
    }

    private static Affine combine(Affine a, Affine b, long sign) {
      if (a == null || b == null) return null;
      Affine nb = b.scale(sign);
      Map<Var, Long> coef = new IdentityHashMap<>(a.coef);
      nb.coef.forEach((v, c) -> coef.merge(v, c, Long::sum));
      Expr rest = a.rest == null ? nb.rest : nb.rest == null ? a.rest : IrOps.add(a.rest, nb.rest);
      return new Affine(rest, a.constant + nb.constant, coef);
    }

    private Affine scale(long k) {
      Map<Var, Long> c = new IdentityHashMap<>();
      coef.forEach((v, x) -> c.put(v, x * k));
      Expr r = rest == null ? null : IrOps.mul(rest, IrOps.intImm(rest.dtype(), k));
      return new Affine(r, constant * k, c);
    }

    /** The lowest and highest value of {@code constant + sum(coef * v)}. */
    long[] span(Map<Var, Expr> relaxed) {
      long lo = constant;
      long hi = constant;
      for (Map.Entry<Var, Long> c : coef.entrySet()) {
        long reach = c.getValue() * (IrOps.asLong(relaxed.get(c.getKey())) - 1);
        if (reach < 0) lo += reach;
        else hi += reach;
      }
      return new long[] {lo, hi};
    }
  }

  private static boolean mentions(Expr e, Map<Var, Expr> vars) {
    boolean[] found = {false};
    new StmtExprVisitor() {
      @Override protected void visitVar(Var v) { found[0] |= vars.containsKey(v); }
    }.visit(e);
    return found[0];
  }
}
