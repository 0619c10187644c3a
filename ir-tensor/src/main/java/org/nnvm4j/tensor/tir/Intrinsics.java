package org.nnvm4j.tensor.tir;

import java.util.Set;

/** The names of the intrinsic {@link Call}s every backend must implement. */
public final class Intrinsics {
  private Intrinsics() {}

  /**
   * A barrier among the threads of a GPU block, {@code Evaluate(Call(i32, "tvm_storage_sync", "shared"))}: every
   * thread's writes to memory of the scope in the argument are visible to the others after it. Lowering puts it
   * around shared-memory stages and into cross-thread reductions; single-threaded interpretation skips it.
   */
  public static final String STORAGE_SYNC = "tvm_storage_sync";

  /** The barrier statement for memory of {@code scope}. */
  public static Stmt storageSync(String scope) {
    return new Evaluate(new Call(org.nnvm4j.tensor.DType.I32, STORAGE_SYNC, java.util.List.of(new StringImm(scope))));
  }

  /** One-argument float math functions, elementwise on vectors. */
  public static final Set<String> UNARY_MATH = Set.of("exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "erf",
      "fabs", "floor", "ceil", "round", "trunc", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
      "atanh");

  /** Two-argument float math functions. */
  public static final Set<String> BINARY_MATH = Set.of("pow", "fmod");

  /** {@code fma(a, b, c) = a * b + c} with one rounding. */
  public static final String FMA = "fma";
}
