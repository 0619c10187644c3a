package org.nnvm4j.tensor.tir;

import java.util.List;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;

/**
 * Factories for expressions. They fold constants, drop identities ({@code x + 0}, {@code x * 1}),
 * and convert an immediate operand to the other operand's type, so that {@code add(i, 1)} works for
 * an int64 {@code i}. Operands of two different non-constant types are a bug: add a {@link Cast}.
 */
public final class IrOps {
  private IrOps() {}

  public static IntImm intImm(DType t, long v) { return new IntImm(t, wrap(t, v)); }

  public static Expr i32(long v) { return intImm(DType.I32, v); }

  public static Expr i64(long v) { return intImm(DType.I64, v); }

  public static Expr f32(double v) { return new FloatImm(DType.F32, (float) v); }

  public static Expr bool(boolean v) { return new IntImm(DType.BOOL, v ? 1 : 0); }

  /** The constant {@code v} in dtype {@code t} (broadcast when {@code t} has lanes). */
  public static Expr constant(DType t, double v) {
    Expr s = t.isFloat() ? new FloatImm(t.element(), roundTo(t.element(), v)) : intImm(t.element(), (long) v);
    return t.lanes() == 1 ? s : new Broadcast(s, t.lanes());
  }

  public static Expr zero(DType t) { return constant(t, 0); }

  public static Expr one(DType t) { return constant(t, 1); }

  /** Whether {@code e} is the integer or float constant {@code v}. */
  public static boolean isConst(Expr e, double v) {
    return switch (e) {
      case IntImm i -> i.value() == v;
      case FloatImm f -> f.value() == v;
      case Broadcast b -> isConst(b.value(), v);
      default -> false;
    };
  }

  /** The value of an integer constant, or null. */
  public static Long asLong(Expr e) { return e instanceof IntImm i ? i.value() : null; }

  public static Expr add(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    a = p[0];
    b = p[1];
    if (isConst(b, 0)) return a;
    if (isConst(a, 0)) return b;
    Expr f = fold(a, b, (x, y) -> x + y, (x, y) -> x + y);
    return f != null ? f : new Add(a, b);
  }

  public static Expr sub(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    a = p[0];
    b = p[1];
    if (isConst(b, 0)) return a;
    Expr f = fold(a, b, (x, y) -> x - y, (x, y) -> x - y);
    return f != null ? f : new Sub(a, b);
  }

  public static Expr mul(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    a = p[0];
    b = p[1];
    if (isConst(b, 1)) return a;
    if (isConst(a, 1)) return b;
    if (a.dtype().isIntegral() && (isConst(a, 0) || isConst(b, 0))) return zero(a.dtype());
    Expr f = fold(a, b, (x, y) -> x * y, (x, y) -> x * y);
    return f != null ? f : new Mul(a, b);
  }

  /** Division: truncating for integers (C), IEEE for floats. */
  public static Expr div(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    a = p[0];
    b = p[1];
    if (isConst(b, 1)) return a;
    Expr f = fold(a, b, (x, y) -> y == 0 ? null : x / y, (x, y) -> x / y);
    return f != null ? f : new Div(a, b);
  }

  /** Truncating remainder (C {@code %}). */
  public static Expr mod(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    Expr f = fold(p[0], p[1], (x, y) -> y == 0 ? null : x % y, null);
    return f != null ? f : new Mod(p[0], p[1]);
  }

  public static Expr floorDiv(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    if (isConst(p[1], 1)) return p[0];
    Expr f = fold(p[0], p[1], (x, y) -> y == 0 ? null : Math.floorDiv(x, y), null);
    return f != null ? f : new FloorDiv(p[0], p[1]);
  }

  public static Expr floorMod(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    if (isConst(p[1], 1)) return zero(p[0].dtype());
    Expr f = fold(p[0], p[1], (x, y) -> y == 0 ? null : Math.floorMod(x, y), null);
    return f != null ? f : new FloorMod(p[0], p[1]);
  }

  public static Expr min(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    Expr f = fold(p[0], p[1], Math::min, Math::min);
    return f != null ? f : new Min(p[0], p[1]);
  }

  public static Expr max(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    Expr f = fold(p[0], p[1], Math::max, Math::max);
    return f != null ? f : new Max(p[0], p[1]);
  }

  public static Expr lt(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    Integer c = compare(p[0], p[1]);
    return c != null ? bool(c < 0) : new LT(p[0], p[1]);
  }

  public static Expr le(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    Integer c = compare(p[0], p[1]);
    return c != null ? bool(c <= 0) : new LE(p[0], p[1]);
  }

  public static Expr gt(Expr a, Expr b) { return lt(b, a); }

  public static Expr ge(Expr a, Expr b) { return le(b, a); }

  public static Expr eq(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    Integer c = compare(p[0], p[1]);
    return c != null ? bool(c == 0) : new EQ(p[0], p[1]);
  }

  public static Expr ne(Expr a, Expr b) {
    Expr[] p = unify(a, b);
    Integer c = compare(p[0], p[1]);
    return c != null ? bool(c != 0) : new NE(p[0], p[1]);
  }

  public static Expr and(Expr a, Expr b) {
    if (isConst(a, 1)) return b;
    if (isConst(b, 1)) return a;
    if (isConst(a, 0) || isConst(b, 0)) return bool(false);
    return new And(a, b);
  }

  public static Expr or(Expr a, Expr b) {
    if (isConst(a, 0)) return b;
    if (isConst(b, 0)) return a;
    if (isConst(a, 1) || isConst(b, 1)) return bool(true);
    return new Or(a, b);
  }

  public static Expr not(Expr a) {
    if (a instanceof IntImm i) return bool(i.value() == 0);
    return new Not(a);
  }

  public static Expr select(Expr c, Expr t, Expr f) {
    if (c instanceof IntImm i) return i.value() != 0 ? t : f;
    return new Select(c, t, f);
  }

  public static Expr cast(DType t, Expr e) {
    if (e.dtype().equals(t)) return e;
    if (e instanceof IntImm i && t.lanes() == 1) {
      return t.isFloat() ? new FloatImm(t, roundTo(t, i.value())) : intImm(t, i.value());
    }
    if (e instanceof FloatImm f && t.lanes() == 1) {
      return t.isFloat() ? new FloatImm(t, roundTo(t, f.value())) : intImm(t, (long) f.value());
    }
    return new Cast(t, e);
  }

  public static Expr call(DType t, String op, Expr... args) { return new Call(t, op, List.of(args)); }

  /**
   * {@code if_then_else(c, t, f)} ({@link Intrinsics#IF_THEN_ELSE}): only the chosen branch is evaluated.
   * The condition must be a scalar bool and both branches of one dtype; a constant condition folds.
   */
  public static Expr ifThenElse(Expr c, Expr t, Expr f) {
    if (!c.dtype().isBool() || c.dtype().isVector()) {
      throw org.nnvm4j.pass.diag.CompileException.invalid("if_then_else: condition %s has dtype %s; expected a scalar bool",
          TirPrinter.print(c), c.dtype());
    }
    if (!t.dtype().equals(f.dtype())) {
      throw org.nnvm4j.pass.diag.CompileException.invalid("if_then_else: branches of different dtypes %s and %s",
          t.dtype(), f.dtype());
    }
    if (c instanceof IntImm i) return i.value() != 0 ? t : f;
    return new Call(t.dtype(), Intrinsics.IF_THEN_ELSE, List.of(c, t, f));
  }

  /** {@code call_extern("symbol", args...)} ({@link Intrinsics#CALL_EXTERN}) returning {@code ret}. */
  public static Expr callExtern(DType ret, String symbol, Expr... args) {
    if (symbol == null || !symbol.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw org.nnvm4j.pass.diag.CompileException.invalid("call_extern: '%s' is not a C identifier", symbol);
    }
    List<Expr> all = new java.util.ArrayList<>();
    all.add(new StringImm(symbol));
    for (Expr a : args) {
      if (a.dtype().isVector()) throw org.nnvm4j.pass.diag.CompileException.invalid("call_extern %s: vector argument %s", symbol, a);
      all.add(a);
    }
    return new Call(ret, Intrinsics.CALL_EXTERN, all);
  }

  /** {@code address_of(load)} ({@link Intrinsics#ADDRESS_OF}): the address of the element {@code load} reads. */
  public static Expr addressOf(BufferLoad load) { return new Call(DType.HANDLE, Intrinsics.ADDRESS_OF, List.of(load)); }

  /** {@code popcount(x)} ({@link Intrinsics#POPCOUNT}) of an integer; a constant folds. */
  public static Expr popcount(Expr x) {
    DType t = x.dtype();
    if ((!t.isInt() && !t.isUInt()) || t.isBool()) {
      throw org.nnvm4j.pass.diag.CompileException.invalid("popcount of %s, which has dtype %s; expected an integer",
          TirPrinter.print(x), t);
    }
    if (x instanceof IntImm i) return intImm(t, popcount(t, i.value()));
    return new Call(t, Intrinsics.POPCOUNT, List.of(x));
  }

  /**
   * {@code e / c} when {@code e} is visibly a multiple of the constant {@code c} (a constant multiple, a
   * product with a multiple of {@code c}, or a sum of such), else null.
   */
  public static Expr exactQuotient(Expr e, long c) {
    if (c == 0) return null;
    if (e instanceof IntImm i) return i.value() % c == 0 ? intImm(i.dtype(), i.value() / c) : null;
    if (e instanceof Add n) {
      Expr a = exactQuotient(n.a(), c);
      Expr b = a == null ? null : exactQuotient(n.b(), c);
      return b == null ? null : add(a, b);
    }
    if (e instanceof Mul n) {
      Long k = asLong(n.b());
      Expr other = n.a();
      if (k == null) {
        k = asLong(n.a());
        other = n.b();
      }
      if (k != null && k % c == 0) return k == c ? other : mul(other, intImm(other.dtype(), k / c));
    }
    return null;
  }

  /** The number of set bits of {@code v} in the low {@code t.bits()} bits. */
  public static long popcount(DType t, long v) {
    return Long.bitCount(t.bits() >= 64 ? v : v & ((1L << t.bits()) - 1));
  }

  /** Keeps an integer within its dtype's range, two's complement (unsigned values zero-extended). */
  public static long wrap(DType t, long v) {
    int bits = t.bits();
    if (bits >= 64) return v;
    if (t.isBool()) return v != 0 ? 1 : 0;
    long mask = (1L << bits) - 1;
    long u = v & mask;
    if (t.isUInt()) return u;
    return (u & (1L << (bits - 1))) != 0 ? u - (1L << bits) : u;
  }

  private static double roundTo(DType t, double v) { return t.bits() == 32 ? (double) (float) v : v; }

  private static Expr[] unify(Expr a, Expr b) {
    DType ta = a.dtype();
    DType tb = b.dtype();
    if (ta.equals(tb)) return new Expr[] {a, b};
    if (isImm(b) && ta.lanes() >= 1) return new Expr[] {a, constantLike(b, ta)};
    if (isImm(a)) return new Expr[] {constantLike(a, tb), b};
    if (ta.element().equals(tb.element())) {
      if (ta.lanes() == 1) return new Expr[] {new Broadcast(a, tb.lanes()), b};
      if (tb.lanes() == 1) return new Expr[] {a, new Broadcast(b, ta.lanes())};
    }
    throw new InternalCompilerError("operands of mismatched types " + ta + " and " + tb + ": "
        + TirPrinter.print(a) + ", " + TirPrinter.print(b));
  }

  private static boolean isImm(Expr e) { return e instanceof IntImm || e instanceof FloatImm; }

  private static Expr constantLike(Expr imm, DType t) {
    double v = imm instanceof IntImm i ? i.value() : ((FloatImm) imm).value();
    if (imm instanceof IntImm i && !t.isFloat()) {
      Expr s = intImm(t.element(), i.value());
      return t.lanes() == 1 ? s : new Broadcast(s, t.lanes());
    }
    return constant(t, v);
  }

  private interface LongOp { Long apply(long x, long y); }

  private interface DoubleOp { double apply(double x, double y); }

  private static Expr fold(Expr a, Expr b, LongOp li, DoubleOp fd) {
    if (a instanceof IntImm x && b instanceof IntImm y && li != null) {
      Long r = li.apply(x.value(), y.value());
      return r == null ? null : intImm(x.dtype(), r);
    }
    if (a instanceof FloatImm x && b instanceof FloatImm y && fd != null) {
      return new FloatImm(x.dtype(), roundTo(x.dtype(), fd.apply(x.value(), y.value())));
    }
    return null;
  }

  /** The sign of {@code a - b} when both are constants of the same kind; null otherwise. */
  private static Integer compare(Expr a, Expr b) {
    if (a instanceof IntImm x && b instanceof IntImm y) {
      return x.dtype().isUInt() ? Long.compareUnsigned(x.value(), y.value()) : Long.compare(x.value(), y.value());
    }
    if (a instanceof FloatImm x && b instanceof FloatImm y && !Double.isNaN(x.value()) && !Double.isNaN(y.value())) {
      return Double.compare(x.value(), y.value());
    }
    return null;
  }
}
