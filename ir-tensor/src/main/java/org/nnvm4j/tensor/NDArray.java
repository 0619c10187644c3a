package org.nnvm4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nnvm4j.pass.diag.CompileException;

/**
 * A dense row-major tensor in host memory: a 64-byte aligned off-heap {@link MemorySegment}.
 * An array made by {@link #allocate} owns its memory through its own {@link Arena}; one made by
 * {@link #wrap} is a view on memory that someone else owns. {@link #close()} is idempotent; using a
 * closed array throws {@link IllegalStateException}{@code ("NDArray has been closed")}.
 */
public final class NDArray implements AutoCloseable {
  /** Alignment of every allocation, enough for AVX-512 loads. */
  public static final long ALIGNMENT = 64;

  private final DType dtype;
  private final Shape shape;
  private final MemorySegment segment;
  private final Arena arena; // null for views
  private final AtomicBoolean closed = new AtomicBoolean();

  private NDArray(DType dtype, Shape shape, MemorySegment segment, Arena arena) {
    this.dtype = dtype;
    this.shape = shape;
    this.segment = segment;
    this.arena = arena;
  }

  /** A zero-filled array that owns its memory. */
  public static NDArray allocate(DType dtype, Shape shape) {
    Objects.requireNonNull(dtype, "dtype");
    if (dtype.isHandle()) throw CompileException.invalid("cannot allocate an NDArray of dtype handle");
    long bytes = Math.multiplyExact(shape.numElements(), (long) dtype.bytes());
    Arena arena = Arena.ofShared();
    MemorySegment seg = arena.allocate(Math.max(bytes, 1), ALIGNMENT).asSlice(0, bytes);
    return new NDArray(dtype, shape, seg, arena);
  }

  /** A view on {@code segment}, which must be exactly the size of {@code shape} in {@code dtype}. */
  public static NDArray wrap(DType dtype, Shape shape, MemorySegment segment) {
    long bytes = Math.multiplyExact(shape.numElements(), (long) dtype.bytes());
    if (segment.byteSize() != bytes) {
      throw CompileException.invalid("segment of %d bytes cannot hold %s %s (%d bytes)", segment.byteSize(),
          dtype, shape, bytes);
    }
    return new NDArray(dtype, shape, segment, null);
  }

  /** A new float32 array holding {@code values} with the given shape. */
  public static NDArray of(float[] values, Shape shape) {
    NDArray a = allocate(DType.F32, shape);
    a.copyFrom(values);
    return a;
  }

  public static NDArray of(float... values) { return of(values, Shape.of(values.length)); }

  public static NDArray of(int[] values, Shape shape) {
    NDArray a = allocate(DType.I32, shape);
    checkCount(values.length, a);
    MemorySegment.copy(values, 0, a.segment(), ValueLayout.JAVA_INT, 0, values.length);
    return a;
  }

  public static NDArray of(double[] values, Shape shape) {
    NDArray a = allocate(DType.F64, shape);
    checkCount(values.length, a);
    MemorySegment.copy(values, 0, a.segment(), ValueLayout.JAVA_DOUBLE, 0, values.length);
    return a;
  }

  public DType dtype() { return dtype; }

  public Shape shape() { return shape; }

  public long numElements() { return shape.numElements(); }

  public long byteSize() { return segment.byteSize(); }

  public boolean isClosed() { return closed.get(); }

  /** The memory of this array. */
  public MemorySegment segment() {
    if (closed.get()) throw new IllegalStateException("NDArray has been closed");
    return segment;
  }

  /** Copies {@code values} in; requires dtype float32 and the same number of elements. */
  public NDArray copyFrom(float[] values) {
    requireDType(DType.F32);
    checkCount(values.length, this);
    MemorySegment.copy(values, 0, segment(), ValueLayout.JAVA_FLOAT, 0, values.length);
    return this;
  }

  /** Copies all of {@code other} in; requires the same dtype and shape. */
  public NDArray copyFrom(NDArray other) {
    if (!other.dtype.equals(dtype) || !other.shape.equals(shape)) {
      throw CompileException.invalid("cannot copy %s %s into %s %s", other.dtype, other.shape, dtype, shape);
    }
    MemorySegment.copy(other.segment(), 0, segment(), 0, segment.byteSize());
    return this;
  }

  public float[] toFloatArray() {
    requireDType(DType.F32);
    return segment().toArray(ValueLayout.JAVA_FLOAT);
  }

  public double[] toDoubleArray() {
    requireDType(DType.F64);
    return segment().toArray(ValueLayout.JAVA_DOUBLE);
  }

  public int[] toIntArray() {
    requireDType(DType.I32);
    return segment().toArray(ValueLayout.JAVA_INT);
  }

  /** Element {@code i} (flat, row-major) converted to double; any numeric dtype. */
  public double getDouble(long i) {
    MemorySegment s = segment();
    return switch (dtype.code()) {
      case FLOAT -> switch (dtype.bits()) {
        case 16 -> Float.float16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
        case 32 -> s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
        default -> s.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
      };
      case BFLOAT -> BFloat16.fromBits(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
      case INT, UINT -> getLong(i);
      case HANDLE -> throw new IllegalStateException("handle array");
    };
  }

  /** Element {@code i} (flat, row-major) as a long; integer dtypes, unsigned ones zero-extended. */
  public long getLong(long i) {
    MemorySegment s = segment();
    boolean u = dtype.isUInt();
    return switch (dtype.bits()) {
      case 1, 8 -> u ? Byte.toUnsignedLong(s.get(ValueLayout.JAVA_BYTE, i)) : s.get(ValueLayout.JAVA_BYTE, i);
      case 16 -> u ? Short.toUnsignedLong(s.getAtIndex(ValueLayout.JAVA_SHORT, i)) : s.getAtIndex(ValueLayout.JAVA_SHORT, i);
      case 32 -> u ? Integer.toUnsignedLong(s.getAtIndex(ValueLayout.JAVA_INT, i)) : s.getAtIndex(ValueLayout.JAVA_INT, i);
      default -> s.getAtIndex(ValueLayout.JAVA_LONG, i);
    };
  }

  /** Sets element {@code i} (flat, row-major) to {@code v} converted to this dtype (integers truncate toward zero and wrap). */
  public void setDouble(long i, double v) {
    MemorySegment s = segment();
    switch (dtype.code()) {
      case FLOAT -> {
        switch (dtype.bits()) {
          case 16 -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16((float) v));
          case 32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
          default -> s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
        }
      }
      case BFLOAT -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, BFloat16.toBits((float) v));
      case INT, UINT -> {
        long x = dtype.isBool() ? (v != 0 ? 1 : 0) : (long) v;
        switch (dtype.bits()) {
          case 1, 8 -> s.set(ValueLayout.JAVA_BYTE, i, (byte) x);
          case 16 -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) x);
          case 32 -> s.setAtIndex(ValueLayout.JAVA_INT, i, (int) x);
          default -> s.setAtIndex(ValueLayout.JAVA_LONG, i, x);
        }
      }
      case HANDLE -> throw new IllegalStateException("handle array");
    }
  }

  private void requireDType(DType expected) {
    if (!dtype.equals(expected)) throw CompileException.invalid("NDArray has dtype %s, not %s", dtype, expected);
  }

  private static void checkCount(int n, NDArray a) {
    if (n != a.numElements()) {
      throw CompileException.invalid("%d values given for an NDArray of shape %s (%d elements)", n, a.shape,
          a.numElements());
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && arena != null) arena.close();
  }

  @Override
  public String toString() {
    if (closed.get()) return "NDArray(" + dtype + ", " + shape + ", closed)";
    long n = Math.min(numElements(), 16);
    double[] head = new double[(int) n];
    for (int i = 0; i < n; i++) head[i] = getDouble(i);
    return "NDArray(" + dtype + ", " + shape + ", " + Arrays.toString(head) + (n < numElements() ? "...)" : ")");
  }
}
