package org.nnvm4j.tensor.schedule;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.tensor.tir.Add;
import org.nnvm4j.tensor.tir.Expr;
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
 * accesses with the same {@code rest} are united exactly (conv windows, tiles). Anything else falls back
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
        Affine a = exact ? Affine.of(idx.get(d), relaxed) : null;
        if (a == null || (rest != null && !rest.equals(a.rest())) || (rest == null && lo <= hi && a.rest() != null)) {
          exact = false;
          break;
        }
        rest = a.rest();
        long[] span = a.span(relaxed);
        lo = Math.min(lo, span[0]);
        hi = Math.max(hi, span[1]);
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
        Long k = IrOps.asLong(n.b());
        Expr other = n.a();
        if (k == null) {
          k = IrOps.asLong(n.a());
          other = n.b();
        }
        if (k == null) return mentions(e, relaxed) ? null : new Affine(e, 0, Map.of());
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
