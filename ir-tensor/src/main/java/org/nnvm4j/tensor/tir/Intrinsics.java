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

  /** {@code popcount(x)}: the number of set bits of an integer, in {@code x}'s dtype (lane-wise on vectors). */
  public static final String POPCOUNT = "popcount";

  /**
   * {@code if_then_else(c, t, f)} (TVM's {@code tir.if_then_else}): {@code t} when the scalar bool {@code c}
   * holds, else {@code f}, evaluating only the chosen branch, unlike {@link Select}. It may guard a load
   * that would be out of bounds in the other branch.
   */
  public static final String IF_THEN_ELSE = "if_then_else";

  /**
   * {@code call_extern("symbol", args...)}: a call of the C function {@code symbol} (TVM's
   * {@code call_extern}), returning the call's dtype ({@code handle} for a pointer); backends that compile to
   * native code call it, the interpreter cannot.
   */
  public static final String CALL_EXTERN = "call_extern";

  /** {@code address_of(B[i])}: the address of an element, a {@code handle} to pass to {@link #CALL_EXTERN}. */
  public static final String ADDRESS_OF = "address_of";

  /** Whether {@code e} is a call of {@link #IF_THEN_ELSE}. */
  public static boolean isIfThenElse(Expr e) { return e instanceof Call c && c.op().equals(IF_THEN_ELSE); }

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
}
