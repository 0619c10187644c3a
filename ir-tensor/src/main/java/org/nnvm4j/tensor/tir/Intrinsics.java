package org.nnvm4j.tensor.tir;

import java.util.Set;

/** The names of the intrinsic {@link Call}s every backend must implement. */
public final class Intrinsics {
  private Intrinsics() {}

  /** One-argument float math functions, elementwise on vectors. */
  public static final Set<String> UNARY_MATH = Set.of("exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "erf",
      "fabs", "floor", "ceil", "round", "trunc", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
      "atanh");

  /** Two-argument float math functions. */
  public static final Set<String> BINARY_MATH = Set.of("pow", "fmod");

  /** {@code fma(a, b, c) = a * b + c} with one rounding. */
  public static final String FMA = "fma";
}
