package org.nnvm4j.tensor.tir;

import java.util.List;
import java.util.Objects;
import org.nnvm4j.tensor.DType;

/**
 * A region of memory with a dtype and a row-major shape, reached through its {@link #data()} pointer
 * var. Identity-compared. {@code scope} is {@code global}, {@code shared} or {@code local}.
 */
public final class Buffer {
  private final String name;
  private final DType dtype;
  private final List<Expr> shape;
  private final String scope;
  private final Var data;

  public Buffer(String name, DType dtype, List<Expr> shape, String scope) {
    this.name = Objects.requireNonNull(name, "name");
    this.dtype = Objects.requireNonNull(dtype, "dtype");
    this.shape = List.copyOf(shape);
    this.scope = scope == null || scope.isEmpty() ? "global" : scope;
    this.data = new Var(name, DType.HANDLE);
  }

  /** A global buffer. */
  public static Buffer of(String name, DType dtype, List<Expr> shape) { return new Buffer(name, dtype, shape, "global"); }

  public String name() { return name; }

  public DType dtype() { return dtype; }

  public List<Expr> shape() { return shape; }

  public String scope() { return scope; }

  /** The handle var that holds this buffer's address. */
  public Var data() { return data; }

  /** The flat buffer with the same name, dtype and scope and one dimension: the product of the shape. */
  public Buffer flattened() {
    Expr n = IrOps.intImm(shape.isEmpty() ? DType.I32 : shape.get(0).dtype(), 1);
    for (Expr d : shape) n = IrOps.mul(n, d);
    return new Buffer(name, dtype, List.of(n), scope);
  }

  @Override public String toString() { return name; }
}
