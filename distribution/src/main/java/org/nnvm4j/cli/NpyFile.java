package org.nnvm4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1 to 3, C order, little-endian). The
 * header's shape and dtype are checked against the file's length before any array is allocated.
 */
public final class NpyFile {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Map<String, DType> TYPES = Map.ofEntries(
      Map.entry("<f4", DType.F32), Map.entry("<f8", DType.F64), Map.entry("<f2", DType.F16),
      Map.entry("|i1", DType.I8), Map.entry("<i2", DType.I16), Map.entry("<i4", DType.I32), Map.entry("<i8", DType.I64),
      Map.entry("|u1", DType.U8), Map.entry("<u2", DType.U16), Map.entry("<u4", DType.U32), Map.entry("<u8", DType.U64),
      Map.entry("|b1", DType.BOOL));
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private NpyFile() {}

  /** @throws CompileException naming the file when it is not a supported, complete .npy file */
  public static NDArray read(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(pre, 0);
      if (pre.position() < 10) throw bad(file, "is too short for a .npy header");
      for (int i = 0; i < MAGIC.length; i++) if (pre.get(i) != MAGIC[i]) throw bad(file, "does not start with the .npy magic");
      int major = pre.get(6);
      long headerLen;
      int headerStart;
      if (major == 1) {
        headerLen = Short.toUnsignedInt(pre.getShort(8));
        headerStart = 10;
      } else if (major == 2 || major == 3) {
        headerLen = Integer.toUnsignedLong(pre.getInt(8));
        headerStart = 12;
      } else {
        throw bad(file, "has .npy format version " + major + "; versions 1 to 3 are supported");
      }
      if (headerStart + headerLen > size || headerLen > 1 << 20) throw bad(file, "declares a header of " + headerLen + " bytes");
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      ch.read(hb, headerStart);
      String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
      DType dtype = TYPES.get(group(DESCR, header, file, "descr"));
      if (dtype == null) throw bad(file, "has dtype '" + group(DESCR, header, file, "descr") + "'; supported are " + TYPES.keySet());
      if (group(FORTRAN, header, file, "fortran_order").equals("True")) throw bad(file, "is in Fortran order; only C order is supported");
      Shape shape = parseShape(group(SHAPE, header, file, "shape"), file);
      long bytes;
      try {
        bytes = Math.multiplyExact(shape.numElements(), (long) dtype.bytes());
      } catch (ArithmeticException e) {
        throw bad(file, "declares shape " + shape + " whose size overflows 64 bits");
      }
      long data = headerStart + headerLen;
      if (size - data != bytes) {
        throw bad(file, "has " + (size - data) + " data bytes but shape " + shape + " of " + dtype + " needs " + bytes);
      }
      NDArray a = NDArray.allocate(dtype, shape);
      ByteBuffer buf = a.segment().asByteBuffer();
      while (buf.hasRemaining()) if (ch.read(buf, data + buf.position()) < 0) throw bad(file, "ended early");
      return a;
    } catch (IOException e) {
      throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "cannot read: " + e, e);
    }
  }

  /** Writes {@code a} as a version 1.0 .npy file. */
  public static void write(Path file, NDArray a) throws IOException {
    String descr = null;
    for (Map.Entry<String, DType> e : TYPES.entrySet()) if (e.getValue().equals(a.dtype())) descr = e.getKey();
    if (descr == null) throw new IllegalArgumentException("no .npy dtype for " + a.dtype());
    StringBuilder dims = new StringBuilder();
    for (int i = 0; i < a.shape().rank(); i++) dims.append(a.shape().dim(i)).append(a.shape().rank() == 1 ? "," : i + 1 < a.shape().rank() ? ", " : "");
    StringBuilder header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }");
    while ((MAGIC.length + 4 + header.length() + 1) % 64 != 0) header.append(' ');
    header.append('\n');
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer pre = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
      pre.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length()).put(header.toString().getBytes(StandardCharsets.ISO_8859_1));
      pre.flip();
      while (pre.hasRemaining()) ch.write(pre);
      ByteBuffer data = a.segment().asByteBuffer();
      while (data.hasRemaining()) ch.write(data);
    }
  }

  private static Shape parseShape(String text, Path file) {
    String[] parts = text.split(",");
    long[] dims = new long[parts.length];
    int n = 0;
    for (String p : parts) {
      if (p.isBlank()) continue;
      try {
        dims[n] = Long.parseLong(p.trim());
      } catch (NumberFormatException e) {
        throw bad(file, "has shape (" + text + ")");
      }
      if (dims[n++] < 0) throw bad(file, "has a negative dimension in shape (" + text + ")");
    }
    return Shape.of(java.util.Arrays.copyOf(dims, n));
  }

  private static String group(Pattern p, String header, Path file, String key) {
    Matcher m = p.matcher(header);
    if (!m.find()) throw bad(file, "has no '" + key + "' in its header");
    return m.group(1);
  }

  private static CompileException bad(Path file, String problem) {
    return new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "the .npy file " + problem);
  }

}
