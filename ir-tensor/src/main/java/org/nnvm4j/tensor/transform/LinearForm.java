package org.nnvm4j.tensor.transform;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Add;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.FloorDiv;
import org.nnvm4j.tensor.tir.FloorMod;
import org.nnvm4j.tensor.tir.IntImm;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Mul;
import org.nnvm4j.tensor.tir.Sub;
import org.nnvm4j.tensor.tir.TirPrinter;

/**
 * A scalar integer expression as {@code sum(coef * term) + constant} (for {@link Simplify}): terms are
 * the non-linear parts, kept in order of first appearance so that the rebuilt expression is canonical.
 * Coefficients wrap at the dtype's width, which keeps every rewrite exact in two's-complement arithmetic.
 */
final class LinearForm {
  private final DType dtype;
  private final Keys keys;
  private final Map<String, Expr> terms = new LinkedHashMap<>();
  private final Map<String, Long> coefs = new LinkedHashMap<>();
  private long constant;

  private LinearForm(DType dtype, Keys keys) {
    this.dtype = dtype;
    this.keys = keys;
  }

  /** The linear form of {@code e}, whose dtype must satisfy {@link Bounds#isScalarInt}. */
  static LinearForm of(Expr e, Keys keys) {
    LinearForm f = new LinearForm(e.dtype(), keys);
    f.add(e, 1);
    while (f.cancelDivMod()) {
      // each round removes a floordiv/floormod pair
    }
    return f;
  }

  /**
   * Rewrites {@code m*c*floordiv(x, c) + m*floormod(x, c)} to {@code m*x}: exact for every {@code x} and
   * {@code c != 0}, also in wrapping arithmetic. Returns whether it rewrote a pair.
   */
  private boolean cancelDivMod() {
    for (String k : List.copyOf(coefs.keySet())) {
      if (!(terms.get(k) instanceof FloorMod fm) || !(fm.b() instanceof IntImm c) || c.value() == 0) continue;
      long m = coefs.get(k);
      String kd = keys.key(new FloorDiv(fm.a(), fm.b()));
      Long cd = coefs.get(kd);
      if (m == 0 || cd == null || cd != wrap(m * c.value())) continue;
      for (String r : List.of(k, kd)) {
        terms.remove(r);
        coefs.remove(r);
      }
      add(fm.a(), m);
      return true;
    }
    return false;
  }

  private long wrap(long v) { return IrOps.intImm(dtype, v).value(); }

  private void add(Expr e, long scale) {
    if (e instanceof IntImm n) {
      constant = wrap(constant + scale * n.value());
    } else if (e instanceof Add n) {
      add(n.a(), scale);
      add(n.b(), scale);
    } else if (e instanceof Sub n) {
      add(n.a(), scale);
      add(n.b(), wrap(-scale));
    } else if (e instanceof Mul n && n.b() instanceof IntImm c) {
      add(n.a(), wrap(scale * c.value()));
    } else if (e instanceof Mul n && n.a() instanceof IntImm c) {
      add(n.b(), wrap(scale * c.value()));
    } else {
      addTerm(keys.key(e), e, scale);
    }
  }

  private void addTerm(String key, Expr e, long coef) {
    terms.putIfAbsent(key, e);
    coefs.merge(key, coef, (x, y) -> wrap(x + y));
  }

  /** Whether there is no term (the form is the constant). */
  boolean isConstant() { return coefs.values().stream().allMatch(c -> c == 0); }

  long constant() { return constant; }

  /**
   * Splits {@code this = c * quotient + remainder}: terms whose coefficient {@code c} divides go to the
   * quotient, the others to the remainder, whose constant is in {@code [0, c)}. Returns {quotient, remainder}.
   */
  LinearForm[] divMod(long c) {
    LinearForm q = new LinearForm(dtype, keys);
    LinearForm r = new LinearForm(dtype, keys);
    for (var t : coefs.entrySet()) {
      if (t.getValue() == 0) continue;
      if (t.getValue() % c == 0) q.addTerm(t.getKey(), terms.get(t.getKey()), t.getValue() / c);
      else r.addTerm(t.getKey(), terms.get(t.getKey()), t.getValue());
    }
    q.constant = Math.floorDiv(constant, c);
    r.constant = Math.floorMod(constant, c);
    return new LinearForm[] {q, r};
  }

  /** {@code this + k}. */
  LinearForm plus(long k) {
    LinearForm f = new LinearForm(dtype, keys);
    f.terms.putAll(terms);
    f.coefs.putAll(coefs);
    f.constant = wrap(constant + k);
    return f;
  }

  /** The mathematical interval of the sum (terms evaluated as they wrap), or null when unknown or wider than the dtype. */
  Bounds.Interval interval(Bounds bounds) {
    long lo = constant;
    long hi = constant;
    try {
      for (var t : coefs.entrySet()) {
        long c = t.getValue();
        if (c == 0) continue;
        Bounds.Interval i = bounds.of(terms.get(t.getKey()));
        if (i == null) return null;
        long p = Math.multiplyExact(c, i.lo());
        long q = Math.multiplyExact(c, i.hi());
        lo = Math.addExact(lo, Math.min(p, q));
        hi = Math.addExact(hi, Math.max(p, q));
      }
    } catch (ArithmeticException overflow) {
      return null;
    }
    Bounds.Interval r = new Bounds.Interval(lo, hi);
    return Bounds.fits(dtype, r) ? r : null;
  }

  /** The canonical expression: terms in order of first appearance, then the constant. */
  Expr toExpr() {
    Expr acc = null;
    for (var t : coefs.entrySet()) {
      long c = t.getValue();
      if (c == 0) continue;
      Expr term = terms.get(t.getKey());
      if (acc == null) acc = c == 1 ? term : new Mul(term, imm(c));
      else if (c > 0) acc = new Add(acc, c == 1 ? term : new Mul(term, imm(c)));
      else if (wrap(-c) > 0) acc = new Sub(acc, c == -1 ? term : new Mul(term, imm(-c)));
      else acc = new Add(acc, new Mul(term, imm(c)));
    }
    if (acc == null) return imm(constant);
    if (constant > 0) return new Add(acc, imm(constant));
    if (constant < 0 && wrap(-constant) > 0) return new Sub(acc, imm(-constant));
    if (constant < 0) return new Add(acc, imm(constant));
    return acc;
  }

  private Expr imm(long v) { return IrOps.intImm(dtype, v); }

  /** Names terms for comparison: distinct vars and buffers get distinct names within one instance. */
  static final class Keys extends TirPrinter {
    String key(Expr e) { return e.dtype() + ":" + expr(e); }
  }
}
