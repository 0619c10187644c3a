package org.nnvm4j.tensor.interp;

import java.util.List;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.*;

/** Lane-wise arithmetic of the interpreter, with TVM's integer and float semantics. */
final class Arith {
  private Arith() {}

  static Object binary(BinaryExpr n, Object a, Object b) {
    DType t = n.a().dtype();
    if (a instanceof double[] x) {
      double[] y = (double[]) b;
      int lanes = x.length;
      boolean cmp = n.dtype().isBool();
      double[] f = cmp ? null : new double[lanes];
      long[] c = cmp ? new long[lanes] : null;
      for (int i = 0; i < lanes; i++) {
        double p = x[i];
        double q = y[i];
        switch (n) {
          case Add o -> f[i] = round(t, p + q);
          case Sub o -> f[i] = round(t, p - q);
          case Mul o -> f[i] = round(t, p * q);
          case Div o -> f[i] = round(t, p / q);
          case Mod o -> f[i] = round(t, p % q);
          case FloorDiv o -> f[i] = round(t, Math.floor(p / q));
          case FloorMod o -> f[i] = round(t, p - Math.floor(p / q) * q);
          case Min o -> f[i] = Math.min(p, q);
          case Max o -> f[i] = Math.max(p, q);
          case EQ o -> c[i] = p == q ? 1 : 0;
          case NE o -> c[i] = p != q ? 1 : 0;
          case LT o -> c[i] = p < q ? 1 : 0;
          case LE o -> c[i] = p <= q ? 1 : 0;
          case GT o -> c[i] = p > q ? 1 : 0;
          case GE o -> c[i] = p >= q ? 1 : 0;
          case And o -> throw new IllegalStateException("And of floats");
          case Or o -> throw new IllegalStateException("Or of floats");
        }
      }
      return cmp ? c : f;
    }
    long[] x = (long[]) a;
    long[] y = (long[]) b;
    long[] r = new long[x.length];
    boolean u = t.isUInt();
    for (int i = 0; i < x.length; i++) {
      long p = x[i];
      long q = y[i];
      r[i] = switch (n) {
        case Add o -> IrOps.wrap(t, p + q);
        case Sub o -> IrOps.wrap(t, p - q);
        case Mul o -> IrOps.wrap(t, p * q);
        case Div o -> IrOps.wrap(t, u ? Long.divideUnsigned(p, nonZero(q, n)) : p / nonZero(q, n));
        case Mod o -> IrOps.wrap(t, u ? Long.remainderUnsigned(p, nonZero(q, n)) : p % nonZero(q, n));
        case FloorDiv o -> IrOps.wrap(t, u ? Long.divideUnsigned(p, nonZero(q, n)) : Math.floorDiv(p, nonZero(q, n)));
        case FloorMod o -> IrOps.wrap(t, u ? Long.remainderUnsigned(p, nonZero(q, n)) : Math.floorMod(p, nonZero(q, n)));
        case Min o -> (u ? Long.compareUnsigned(p, q) : Long.compare(p, q)) <= 0 ? p : q;
        case Max o -> (u ? Long.compareUnsigned(p, q) : Long.compare(p, q)) >= 0 ? p : q;
        case EQ o -> p == q ? 1 : 0;
        case NE o -> p != q ? 1 : 0;
        case LT o -> cmp(u, p, q) < 0 ? 1 : 0;
        case LE o -> cmp(u, p, q) <= 0 ? 1 : 0;
        case GT o -> cmp(u, p, q) > 0 ? 1 : 0;
        case GE o -> cmp(u, p, q) >= 0 ? 1 : 0;
        case And o -> (p != 0 && q != 0) ? 1 : 0;
        case Or o -> (p != 0 || q != 0) ? 1 : 0;
      };
    }
    return r;
  }

  private static int cmp(boolean unsigned, long p, long q) {
    return unsigned ? Long.compareUnsigned(p, q) : Long.compare(p, q);
  }

  private static long nonZero(long q, BinaryExpr n) {
    if (q == 0) {
      throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.NONE,
          "integer division by zero in " + n.getClass().getSimpleName());
    }
    return q;
  }

  static Object select(long[] c, Object t, Object f) {
    if (t instanceof double[] x) {
      double[] y = (double[]) f;
      double[] r = new double[x.length];
      for (int i = 0; i < r.length; i++) r[i] = c[c.length == 1 ? 0 : i] != 0 ? x[i] : y[i];
      return r;
    }
    long[] x = (long[]) t;
    long[] y = (long[]) f;
    long[] r = new long[x.length];
    for (int i = 0; i < r.length; i++) r[i] = c[c.length == 1 ? 0 : i] != 0 ? x[i] : y[i];
    return r;
  }

  static Object broadcast(Object v, int lanes) {
    if (v instanceof double[] d) {
      double[] r = new double[lanes];
      java.util.Arrays.fill(r, d[0]);
      return r;
    }
    long[] r = new long[lanes];
    java.util.Arrays.fill(r, ((long[]) v)[0]);
    return r;
  }

  static Object call(Call c, List<Object> args) {
    DType t = c.dtype();
    if (Intrinsics.UNARY_MATH.contains(c.op())) {
      double[] x = (double[]) args.get(0);
      double[] r = new double[x.length];
      for (int i = 0; i < r.length; i++) r[i] = round(t, unary(c.op(), x[i]));
      return r;
    }
    if (c.op().equals(Intrinsics.FMA)) {
      double[] x = (double[]) args.get(0);
      double[] y = (double[]) args.get(1);
      double[] z = (double[]) args.get(2);
      double[] r = new double[x.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = t.bits() == 32 ? Math.fma((float) x[i], (float) y[i], (float) z[i]) : round(t, Math.fma(x[i], y[i], z[i]));
      }
      return r;
    }
    if (c.op().equals(Intrinsics.POPCOUNT)) {
      long[] x = (long[]) args.get(0);
      long[] r = new long[x.length];
      for (int i = 0; i < r.length; i++) r[i] = IrOps.popcount(t.element(), x[i]);
      return r;
    }
    if (Intrinsics.BINARY_MATH.contains(c.op())) {
      double[] x = (double[]) args.get(0);
      double[] y = (double[]) args.get(1);
      double[] r = new double[x.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = round(t, c.op().equals("pow") ? Math.pow(x[i], y[i]) : x[i] % y[i]);
      }
      return r;
    }
    throw new CompileException(ErrorCode.UNSUPPORTED, Span.NONE, "the interpreter has no intrinsic '" + c.op() + "'");
  }

  private static double unary(String op, double x) {
    return switch (op) {
      case "exp" -> Math.exp(x);
      case "log" -> Math.log(x);
      case "sqrt" -> Math.sqrt(x);
      case "rsqrt" -> 1 / Math.sqrt(x);
      case "tanh" -> Math.tanh(x);
      case "sigmoid" -> 1 / (1 + Math.exp(-x));
      case "erf" -> erf(x);
      case "fabs" -> Math.abs(x);
      case "floor" -> Math.floor(x);
      case "ceil" -> Math.ceil(x);
      case "round" -> Math.rint(x);
      case "trunc" -> x < 0 ? Math.ceil(x) : Math.floor(x);
      case "sin" -> Math.sin(x);
      case "cos" -> Math.cos(x);
      case "tan" -> Math.tan(x);
      case "asin" -> Math.asin(x);
      case "acos" -> Math.acos(x);
      case "atan" -> Math.atan(x);
      case "sinh" -> Math.sinh(x);
      case "cosh" -> Math.cosh(x);
      case "asinh" -> Math.copySign(Math.log(Math.abs(x) + Math.sqrt(x * x + 1)), x);
      case "acosh" -> Math.log(x + Math.sqrt(x * x - 1));
      case "atanh" -> 0.5 * Math.log((1 + x) / (1 - x));
      default -> throw new IllegalStateException(op);
    };
  }

  /** erf to double precision (Abramowitz-Stegun 7.1.26 is too coarse; use the series/continued fraction). */
  static double erf(double x) {
    double ax = Math.abs(x);
    double r;
    if (ax < 2.5) {
      double sum = ax;
      double term = ax;
      for (int n = 1; n < 100; n++) {
        term *= -ax * ax / n;
        double add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      double f = 0;
      for (int n = 60; n >= 1; n--) f = n / 2.0 / (ax + f);
      r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
    }
    return Math.copySign(r, x);
  }

  static double round(DType t, double v) {
    return switch (t.bits()) {
      case 16 -> t.code() == DType.Code.BFLOAT ? (float) v // bfloat16 arithmetic runs in float32
          : Float.float16ToFloat(Float.floatToFloat16((float) v));
      case 32 -> (float) v;
      default -> v;
    };
  }

  static double unsignedToDouble(long v) {
    double d = (double) (v >>> 1) * 2.0;
    return d + (v & 1);
  }
}
