package org.nnvm4j.frontend.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.nnvm4j.frontend.onnx.proto.Onnx.StringStringEntryProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * Turns ONNX {@code TensorProto}s into {@link NDArray}s. Every declared size (dims times element size
 * against raw_data, typed fields, or the external file's length and offset) is checked before any
 * memory is allocated; external data is read only from files inside the model's folder.
 */
public final class OnnxTensors {
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

  private OnnxTensors() {}

  /**
   * Reads a file holding one serialized {@code TensorProto} (the ONNX test data format); external
   * data is looked up next to it.
   *
   * @throws CompileException naming the file when it cannot be read, is truncated or malformed
   */
  public static NDArray readFile(Path file) {
    TensorProto t;
    try {
      long size = Files.size(file);
      if (size > Integer.MAX_VALUE) throw malformed(file, null, "is " + size + " bytes; a protobuf message holds at most 2 GiB");
      CodedInputStream in = CodedInputStream.newInstance(Files.readAllBytes(file));
      in.setSizeLimit(Integer.MAX_VALUE);
      t = TensorProto.parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw malformed(file, null, "is not a valid TensorProto: " + e.getMessage());
    } catch (IOException e) {
      throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "cannot read: " + e, e);
    }
    OnnxWireCheck.check(t, file);
    Path dir = file.toAbsolutePath().getParent();
    return read(t, dir, file);
  }

  /**
   * The value of {@code t}.
   *
   * @param modelDir the folder that external data files must lie in
   * @param file the model file, for messages
   */
  public static NDArray read(TensorProto t, Path modelDir, Path file) {
    String name = t.getName();
    DType dtype = OnnxDTypes.of(t.getDataType());
    if (dtype == null) {
      throw new CompileException(ErrorCode.UNSUPPORTED, Span.file(file.toString()), "tensor '" + name + "' has element type "
          + OnnxDTypes.name(t.getDataType()) + ", which nnvm4j does not support");
    }
    Shape shape = shape(t.getDimsList(), file, name);
    long bytes;
    try {
      bytes = Math.multiplyExact(shape.numElements(), (long) dtype.bytes());
    } catch (ArithmeticException e) {
      throw malformed(file, name, "declares dims " + t.getDimsList() + " whose size overflows 64 bits");
    }
    if (t.hasSegment()) throw new CompileException(ErrorCode.UNSUPPORTED, Span.file(file.toString()), "tensor '" + name + "' is a segment");
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) return external(t, dtype, shape, bytes, modelDir, file);
    if (t.hasRawData()) {
      ByteString raw = t.getRawData();
      if (raw.size() != bytes) {
        throw malformed(file, name, "has " + raw.size() + " bytes of raw_data but dims " + shape + " of " + dtype + " need " + bytes);
      }
      NDArray a = NDArray.allocate(dtype, shape);
      MemorySegment.copy(MemorySegment.ofBuffer(raw.asReadOnlyByteBuffer()), 0, a.segment(), 0, bytes);
      return a;
    }
    return typed(t, dtype, shape, file);
  }

  /** The shape of {@code dims}; negative dims are malformed. */
  static Shape shape(List<Long> dims, Path file, String name) {
    long[] d = new long[dims.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = dims.get(i);
      if (d[i] < 0) throw malformed(file, name, "has negative dimension " + d[i] + " in dims " + dims);
    }
    Shape s = Shape.of(d);
    try {
      s.numElements();
    } catch (ArithmeticException e) {
      throw malformed(file, name, "declares dims " + dims + " whose element count overflows 64 bits");
    }
    return s;
  }

  private static NDArray typed(TensorProto t, DType dtype, Shape shape, Path file) {
    long n = shape.numElements();
    String field;
    int have;
    if (dtype.equals(DType.F32)) { field = "float_data"; have = t.getFloatDataCount(); }
    else if (dtype.equals(DType.F64)) { field = "double_data"; have = t.getDoubleDataCount(); }
    else if (dtype.equals(DType.I64)) { field = "int64_data"; have = t.getInt64DataCount(); }
    else if (dtype.equals(DType.U32) || dtype.equals(DType.U64)) { field = "uint64_data"; have = t.getUint64DataCount(); }
    else { field = "int32_data"; have = t.getInt32DataCount(); }
    if (have != n) {
      throw malformed(file, t.getName(), "has " + have + " values in " + field + " but dims " + shape + " need " + n);
    }
    NDArray a = NDArray.allocate(dtype, shape);
    MemorySegment s = a.segment();
    for (int i = 0; i < have; i++) {
      switch (field) {
        case "float_data" -> s.setAtIndex(F32, i, t.getFloatData(i));
        case "double_data" -> s.setAtIndex(F64, i, t.getDoubleData(i));
        case "int64_data" -> s.setAtIndex(I64, i, t.getInt64Data(i));
        case "uint64_data" -> {
          if (dtype.bits() == 64) s.setAtIndex(I64, i, t.getUint64Data(i));
          else s.setAtIndex(I32, i, (int) t.getUint64Data(i));
        }
        default -> {
          int v = t.getInt32Data(i);
          switch (dtype.bytes()) {
            case 1 -> s.set(ValueLayout.JAVA_BYTE, i, (byte) v);
            case 2 -> s.setAtIndex(I16, i, (short) v);
            default -> s.setAtIndex(I32, i, v);
          }
        }
      }
    }
    return a;
  }

  private static NDArray external(TensorProto t, DType dtype, Shape shape, long bytes, Path modelDir, Path file) {
    String name = t.getName();
    String location = null;
    long offset = 0;
    long length = -1;
    for (StringStringEntryProto e : t.getExternalDataList()) {
      switch (e.getKey()) {
        case "location" -> location = e.getValue();
        case "offset" -> offset = parseLong(e.getValue(), "offset", file, name);
        case "length" -> length = parseLong(e.getValue(), "length", file, name);
        default -> { /* checksum and unknown keys carry nothing we need */ }
      }
    }
    if (location == null || location.isEmpty()) throw malformed(file, name, "is EXTERNAL but has no external_data 'location'");
    Path data = resolveInside(modelDir, location, file, name);
    long size;
    try {
      size = Files.size(data);
    } catch (IOException e) {
      throw malformed(file, name, "cannot read external data file '" + location + "': " + e);
    }
    if (length < 0) length = size - offset;
    if (offset < 0 || offset > size || length > size - offset) {
      throw malformed(file, name, "external data '" + location + "' declares offset " + offset + " and length " + length
          + " but the file has " + size + " bytes");
    }
    if (length != bytes) {
      throw malformed(file, name, "external data '" + location + "' has length " + length + " but dims " + shape + " of "
          + dtype + " need " + bytes);
    }
    NDArray a = NDArray.allocate(dtype, shape);
    try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
      long done = 0;
      while (done < bytes) {
        long chunk = Math.min(bytes - done, 1L << 30);
        ByteBuffer buf = a.segment().asSlice(done, chunk).asByteBuffer();
        while (buf.hasRemaining()) {
          if (ch.read(buf, offset + done + buf.position()) < 0) throw new IOException("unexpected end of file");
        }
        done += chunk;
      }
    } catch (IOException e) {
      a.close();
      throw malformed(file, name, "cannot read external data file '" + location + "': " + e);
    }
    return a;
  }

  /** {@code location} resolved in {@code dir}; absolute paths, {@code ..} and links that leave {@code dir} are refused. */
  static Path resolveInside(Path dir, String location, Path file, String name) {
    Path rel;
    try {
      rel = Path.of(location);
    } catch (InvalidPathException e) {
      throw malformed(file, name, "has an invalid external data location '" + location + "'");
    }
    if (rel.isAbsolute() || location.startsWith("/") || location.contains("\\")) {
      throw malformed(file, name, "external data location '" + location + "' must be a relative path inside the model folder");
    }
    for (Path part : rel) {
      if (part.toString().equals("..")) {
        throw malformed(file, name, "external data location '" + location + "' escapes the model folder ('..')");
      }
    }
    try {
      Path base = dir.toRealPath();
      Path target = base.resolve(rel);
      if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.exists(target)) {
        throw malformed(file, name, "external data file '" + location + "' does not exist");
      }
      Path real = target.toRealPath();
      if (!real.startsWith(base)) {
        throw malformed(file, name, "external data location '" + location + "' escapes the model folder through a link to " + real);
      }
      if (!Files.isRegularFile(real)) throw malformed(file, name, "external data location '" + location + "' is not a regular file");
      return real;
    } catch (IOException e) {
      throw malformed(file, name, "external data file '" + location + "' cannot be opened: " + e);
    }
  }

  private static long parseLong(String v, String key, Path file, String name) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw malformed(file, name, "has external_data '" + key + "' = '" + v + "', not an integer");
    }
  }

  static CompileException malformed(Path file, String tensor, String problem) {
    String what = tensor == null ? "" : "tensor '" + tensor + "' ";
    return new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), what + problem);
  }
}
