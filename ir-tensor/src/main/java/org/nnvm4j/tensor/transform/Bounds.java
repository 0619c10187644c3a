package org.nnvm4j.tensor.transform;

import java.util.IdentityHashMap;
import java.util.Map;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.*;

/**
 * A simple interval analysis for {@link Simplify}: the inclusive range {@code [lo, hi]} of a scalar
 * integer expression, from the constant bounds of the enclosing loops. An interval is only reported when
 * the expression's evaluation cannot wrap, so its value is the mathematical one.
 */
final class Bounds {
  /** The inclusive integer interval {@code [lo, hi]}. */
  record Interval(long lo, long hi) {
    static Interval point(long v) { return new Interval(v, v); }

    boolean isPoint() { return lo == hi; }
  }

  private final Map<Var, Interval> vars = new IdentityHashMap<>();

  /** Records that {@code v} lies in {@code range} (a loop var) until {@link #unbind}. */
  void bind(Var v, Interval range) { vars.put(v, range); }

  void unbind(Var v) { vars.remove(v); }

  /** Scalar, non-bool integers of at most 63 bits of magnitude: the types this analysis reasons about. */
  static boolean isScalarInt(DType t) {
    return t.isIntegral() && !t.isBool() && t.lanes() == 1 && !(t.isUInt() && t.bits() >= 64);
  }

  /** Whether every value of {@code r} is representable in {@code t}. */
  static boolean fits(DType t, Interval r) {
    if (t.isUInt()) return r.lo() >= 0 && (t.bits() >= 63 || r.hi() < (1L << t.bits()));
    if (t.bits() >= 64) return true;
    long max = (1L << (t.bits() - 1)) - 1;
    return r.lo() >= -max - 1 && r.hi() <= max;
  }

  /** The interval of {@code e}, or null when unknown or when its evaluation might wrap. */
  Interval of(Expr e) {
    if (!isScalarInt(e.dtype())) return null;
    Interval r;
    try {
      r = compute(e);
    } catch (ArithmeticException overflow) {
      return null;
    }
    return r != null && fits(e.dtype(), r) ? r : null;
  }

  private Interval compute(Expr e) {
    return switch (e) {
      case IntImm n -> Interval.point(n.value());
      case Var n -> {
        Interval v = vars.get(n);
        yield v != null ? v : n.isNonNegative() ? new Interval(0, Long.MAX_VALUE) : null;
      }
      case Cast n -> isScalarInt(n.value().dtype()) ? of(n.value()) : null;
      case BinaryExpr n -> binary(n, of(n.a()), of(n.b()));
      case Select n -> union(of(n.trueValue()), of(n.falseValue()));
      case Let n -> of(n.body());
      case FloatImm n -> null;
      case StringImm n -> null;
      case Not n -> null;
      case BufferLoad n -> null;
      case ProducerLoad n -> null;
      case Ramp n -> null;
      case Broadcast n -> null;
      case Call n -> null;
      case Reduce n -> null;
    };
  }

  private static Interval union(Interval a, Interval b) {
    return a == null || b == null ? null : new Interval(Math.min(a.lo(), b.lo()), Math.max(a.hi(), b.hi()));
  }

  private static Interval binary(BinaryExpr n, Interval a, Interval b) {
    return switch (n) {
      case Add x -> a == null || b == null ? null
          : new Interval(Math.addExact(a.lo(), b.lo()), Math.addExact(a.hi(), b.hi()));
      case Sub x -> a == null || b == null ? null
          : new Interval(Math.subtractExact(a.lo(), b.hi()), Math.subtractExact(a.hi(), b.lo()));
      case Mul x -> a == null || b == null ? null : corners(a, b, Math::multiplyExact);
      case FloorDiv x -> a == null || b == null || b.lo() <= 0 ? null : corners(a, b, Math::floorDiv);
      case Div x -> a == null || b == null || b.lo() <= 0 || a.lo() < 0 ? null : corners(a, b, Math::floorDiv);
      case FloorMod x -> {
        if (b == null || b.lo() <= 0) yield null;
        if (a != null && b.isPoint() && Math.floorDiv(a.lo(), b.lo()) == Math.floorDiv(a.hi(), b.lo())) {
          long q = Math.floorDiv(a.lo(), b.lo()) * b.lo();
          yield new Interval(a.lo() - q, a.hi() - q);
        }
        yield new Interval(0, b.hi() - 1);
      }
      case Mod x -> {
        if (b == null || b.lo() <= 0) yield null;
        if (a != null && a.lo() >= 0) yield new Interval(0, Math.min(a.hi(), b.hi() - 1));
        yield new Interval(-(b.hi() - 1), b.hi() - 1);
      }
      case Min x -> a == null || b == null ? null
          : new Interval(Math.min(a.lo(), b.lo()), Math.min(a.hi(), b.hi()));
      case Max x -> a == null || b == null ? null
          : new Interval(Math.max(a.lo(), b.lo()), Math.max(a.hi(), b.hi()));
      case EQ x -> null;
      case NE x -> null;
      case LT x -> null;
      case LE x -> null;
      case GT x -> null;
      case GE x -> null;
      case And x -> null;
      case Or x -> null;
    };
  }

  private interface LongOp { long apply(long x, long y); }

  private static Interval corners(Interval a, Interval b, LongOp op) {
    long p = op.apply(a.lo(), b.lo());
    long q = op.apply(a.lo(), b.hi());
    long r = op.apply(a.hi(), b.lo());
    long s = op.apply(a.hi(), b.hi());
    return new Interval(Math.min(Math.min(p, q), Math.min(r, s)), Math.max(Math.max(p, q), Math.max(r, s)));
  }
}
