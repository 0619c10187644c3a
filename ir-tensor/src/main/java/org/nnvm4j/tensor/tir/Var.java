package org.nnvm4j.tensor.tir;

import java.util.Objects;
import org.nnvm4j.tensor.DType;

/**
 * A variable: a loop index, a symbolic shape, a let binding or a buffer's data pointer. Two vars
 * are equal only when they are the same object ({@code equals} is identity); the name is a hint
 * for printing.
 */
public final class Var implements Expr {
  private final String name;
  private final DType dtype;
  private final boolean nonNegative;

  public Var(String name, DType dtype) { this(name, dtype, false); }

  private Var(String name, DType dtype, boolean nonNegative) {
    this.name = Objects.requireNonNull(name, "name");
    this.dtype = Objects.requireNonNull(dtype, "dtype");
    this.nonNegative = nonNegative;
  }

  /** A variable known to be {@code >= 0}, such as a shape dimension (TVM's {@code size_var}). */
  public static Var sizeVar(String name, DType dtype) { return new Var(name, dtype, true); }

  public String name() { return name; }

  @Override public DType dtype() { return dtype; }

  public boolean isNonNegative() { return nonNegative; }

  /** A fresh variable with the same name hint and type. */
  public Var copy() { return new Var(name, dtype, nonNegative); }

  @Override public String toString() { return name; }
}
