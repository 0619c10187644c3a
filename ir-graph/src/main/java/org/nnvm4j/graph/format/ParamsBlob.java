package org.nnvm4j.graph.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * The params blob of NNVM/TVM ({@code save_param_dict}, {@code runtime::SaveParams}), byte for byte:
 * u64 magic {@code 0xF7E58D4F05049CB7}, u64 reserved, the names (u64 count, then u64 length + UTF-8
 * bytes each), u64 array count, then each array as {@code NDArray::Save} writes a DLTensor: u64 magic
 * {@code 0xDD5E40F096B4A13F}, u64 reserved, DLDevice (i32 type = 1 CPU, i32 id = 0), i32 ndim,
 * DLDataType (u8 code, u8 bits, u16 lanes), i64 shape[ndim], i64 data byte size, the data. All little-endian.
 */
public final class ParamsBlob {
  public static final long LIST_MAGIC = 0xF7E58D4F05049CB7L;
  public static final long ARRAY_MAGIC = 0xDD5E40F096B4A13FL;

  private ParamsBlob() {}

  /** The blob of {@code params}, in the map's iteration order. */
  public static byte[] save(Map<String, NDArray> params) {
    long size = 32;
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray a = e.getValue();
      size += 8 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 40 + 8L * a.shape().rank() + dataBytes(a.dtype(), a.shape());
    }
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(LIST_MAGIC).putLong(0).putLong(params.size());
    for (String name : params.keySet()) {
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      b.putLong(n.length).put(n);
    }
    b.putLong(params.size());
    for (NDArray a : params.values()) {
      b.putLong(ARRAY_MAGIC).putLong(0).putInt(1).putInt(0).putInt(a.shape().rank());
      DType t = a.dtype();
      b.put((byte) dlCode(t)).put((byte) t.bits()).putShort((short) t.lanes());
      for (long d : a.shape().toArray()) b.putLong(d);
      long bytes = dataBytes(t, a.shape());
      b.putLong(bytes);
      byte[] data = a.segment().asSlice(0, bytes).toArray(ValueLayout.JAVA_BYTE);
      b.put(data);
    }
    return b.array();
  }

  /**
   * Reads a blob written by {@link #save} or by TVM. The arrays are new host arrays the caller owns.
   *
   * @throws CompileException naming the first malformed field
   */
  public static Map<String, NDArray> load(byte[] blob) {
    ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
    Map<String, NDArray> out = new LinkedHashMap<>();
    try {
      expect(b.getLong(), LIST_MAGIC, "magic");
      b.getLong();
      List<String> names = new ArrayList<>();
      long n = b.getLong();
      check(n >= 0 && n <= b.remaining() / 8, "name count " + n);
      for (long i = 0; i < n; i++) {
        long len = b.getLong();
        check(len >= 0 && len <= b.remaining(), "name length " + len);
        byte[] s = new byte[(int) len];
        b.get(s);
        names.add(new String(s, StandardCharsets.UTF_8));
      }
      long m = b.getLong();
      check(m == n, n + " names but " + m + " arrays");
      for (String name : names) {
        expect(b.getLong(), ARRAY_MAGIC, "array magic of '" + name + "'");
        b.getLong();
        int devType = b.getInt();
        b.getInt();
        check(devType == 1, "array '" + name + "' has device type " + devType + "; only CPU (1) arrays are stored");
        int ndim = b.getInt();
        check(ndim >= 0 && ndim <= 32, "array '" + name + "' has ndim " + ndim);
        DType t = fromDl(b.get() & 0xFF, b.get() & 0xFF, b.getShort() & 0xFFFF, name);
        long[] dims = new long[ndim];
        for (int d = 0; d < ndim; d++) {
          dims[d] = b.getLong();
          check(dims[d] >= 0, "array '" + name + "' has dimension " + dims[d]);
        }
        Shape shape = Shape.of(dims);
        long bytes = b.getLong();
        check(bytes == dataBytes(t, shape), "array '" + name + "' of " + t + " " + shape + " claims " + bytes + " data bytes");
        check(bytes <= b.remaining(), "array '" + name + "' is truncated");
        byte[] data = new byte[(int) bytes];
        b.get(data);
        NDArray a = NDArray.allocate(t, shape);
        MemorySegment.copy(MemorySegment.ofArray(data), 0, a.segment(), 0, bytes);
        if (out.put(name, a) != null) throw malformed("the name '" + name + "' appears twice");
      }
      check(!b.hasRemaining(), b.remaining() + " bytes follow the last array");
    } catch (java.nio.BufferUnderflowException e) {
      out.values().forEach(NDArray::close);
      throw malformed("the blob ends early");
    } catch (CompileException e) {
      out.values().forEach(NDArray::close);
      throw e;
    }
    return out;
  }

  private static long dataBytes(DType t, Shape s) { return Math.multiplyExact(s.numElements(), (long) (t.bits() + 7) / 8 * t.lanes()); }

  private static int dlCode(DType t) {
    return switch (t.code()) {
      case INT -> 0;
      case UINT -> 1;
      case FLOAT -> 2;
      case HANDLE -> 3;
      case BFLOAT -> 4;
    };
  }

  private static DType fromDl(int code, int bits, int lanes, String name) {
    DType.Code c = switch (code) {
      case 0 -> DType.Code.INT;
      case 1 -> DType.Code.UINT;
      case 2 -> DType.Code.FLOAT;
      case 4 -> DType.Code.BFLOAT;
      default -> throw malformed("array '" + name + "' has DLDataType code " + code);
    };
    try {
      return new DType(c, bits, lanes);
    } catch (RuntimeException e) {
      throw malformed("array '" + name + "' has dtype code " + code + " bits " + bits + " lanes " + lanes);
    }
  }

  private static void expect(long got, long want, String what) {
    if (got != want) throw malformed(String.format("%s is 0x%016X, expected 0x%016X", what, got, want));
  }

  private static void check(boolean ok, String what) {
    if (!ok) throw malformed(what);
  }

  private static CompileException malformed(String what) {
    return new CompileException(ErrorCode.MALFORMED_INPUT, Span.NONE, "params blob is malformed: " + what);
  }
}
