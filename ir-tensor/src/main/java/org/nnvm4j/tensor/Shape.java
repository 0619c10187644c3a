package org.nnvm4j.tensor;

import java.util.Arrays;
import org.nnvm4j.pass.diag.CompileException;

/** A concrete tensor shape: non-negative dimensions, row-major. Immutable. */
public final class Shape {
  private final long[] dims;

  private Shape(long[] dims) {
    for (long d : dims) {
      if (d < 0) throw CompileException.invalid("negative dimension %d in shape %s", d, Arrays.toString(dims));
    }
    this.dims = dims;
  }

  public static Shape of(long... dims) { return new Shape(dims.clone()); }

  public static Shape of(int... dims) { return new Shape(Arrays.stream(dims).asLongStream().toArray()); }

  public static Shape scalar() { return new Shape(new long[0]); }

  public int rank() { return dims.length; }

  public long dim(int i) { return dims[i]; }

  public long[] toArray() { return dims.clone(); }

  /** The number of elements, checked against overflow. */
  public long numElements() {
    long n = 1;
    for (long d : dims) n = Math.multiplyExact(n, d);
    return n;
  }

  @Override
  public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }

  @Override
  public int hashCode() { return Arrays.hashCode(dims); }

  /** {@code [1, 3, 224, 224]}. */
  @Override
  public String toString() { return Arrays.toString(dims); }
}
