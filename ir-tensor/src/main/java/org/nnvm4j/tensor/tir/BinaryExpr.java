package org.nnvm4j.tensor.tir;

import org.nnvm4j.pass.diag.InternalCompilerError;

/** The two-operand nodes. {@link #symbol()} is the printed operator or function name. */
public sealed interface BinaryExpr extends Expr permits Add, Sub, Mul, Div, Mod, FloorDiv, FloorMod, Min, Max, EQ, NE, LT, LE, GT, GE, And, Or {
  Expr a();

  Expr b();

  String symbol();

  /** Whether the printer writes {@code symbol(a, b)} rather than {@code (a symbol b)}. */
  default boolean isFunctionStyle() { return Character.isLetter(symbol().charAt(0)); }

  static void checkSame(String node, Expr a, Expr b) {
    InternalCompilerError.check(a.dtype().equals(b.dtype()), "%s of mismatched types %s, %s: %s, %s", node,
        a.dtype(), b.dtype(), a, b);
  }
}
