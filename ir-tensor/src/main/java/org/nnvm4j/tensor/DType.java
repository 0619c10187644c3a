package org.nnvm4j.tensor;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nnvm4j.pass.diag.CompileException;

/**
 * A scalar or vector element type, as TVM writes it: {@code float32}, {@code int8}, {@code uint1}
 * (bool), {@code float32x8} (8 lanes), {@code handle} (an opaque pointer).
 */
public record DType(Code code, int bits, int lanes) {
  /** The type class. */
  public enum Code { INT, UINT, FLOAT, BFLOAT, HANDLE }

  public static final DType BOOL = new DType(Code.UINT, 1, 1);
  public static final DType I8 = new DType(Code.INT, 8, 1);
  public static final DType I16 = new DType(Code.INT, 16, 1);
  public static final DType I32 = new DType(Code.INT, 32, 1);
  public static final DType I64 = new DType(Code.INT, 64, 1);
  public static final DType U8 = new DType(Code.UINT, 8, 1);
  public static final DType U16 = new DType(Code.UINT, 16, 1);
  public static final DType U32 = new DType(Code.UINT, 32, 1);
  public static final DType U64 = new DType(Code.UINT, 64, 1);
  public static final DType F16 = new DType(Code.FLOAT, 16, 1);
  public static final DType BF16 = new DType(Code.BFLOAT, 16, 1);
  public static final DType F32 = new DType(Code.FLOAT, 32, 1);
  public static final DType F64 = new DType(Code.FLOAT, 64, 1);
  public static final DType HANDLE = new DType(Code.HANDLE, 64, 1);

  private static final Pattern TEXT = Pattern.compile("(int|uint|float|bfloat|handle|bool)(\\d*)(?:x(\\d+))?");

  public DType {
    Objects.requireNonNull(code, "code");
    if (lanes < 1) throw new IllegalArgumentException("lanes must be >= 1, was " + lanes);
    boolean ok = switch (code) {
      case INT -> bits == 8 || bits == 16 || bits == 32 || bits == 64;
      case UINT -> bits == 1 || bits == 8 || bits == 16 || bits == 32 || bits == 64;
      case FLOAT -> bits == 16 || bits == 32 || bits == 64;
      case BFLOAT -> bits == 16;
      case HANDLE -> bits == 64 && lanes == 1;
    };
    if (!ok) throw new IllegalArgumentException("no such dtype: " + code + bits + "x" + lanes);
  }

  /**
   * Parses TVM's text form ({@code float32}, {@code int64x4}, {@code bool}, {@code handle}).
   *
   * @throws CompileException when the text is not a dtype
   */
  public static DType parse(String text) {
    Matcher m = TEXT.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) throw CompileException.invalid("unknown dtype '%s'; expected e.g. float32, int8, bool", text);
    int lanes = m.group(3) == null ? 1 : Integer.parseInt(m.group(3));
    String bitsText = m.group(2);
    try {
      return switch (m.group(1)) {
        case "bool" -> BOOL.withLanes(lanes);
        case "handle" -> HANDLE;
        case "int" -> new DType(Code.INT, bitsText.isEmpty() ? 32 : Integer.parseInt(bitsText), lanes);
        case "uint" -> new DType(Code.UINT, bitsText.isEmpty() ? 32 : Integer.parseInt(bitsText), lanes);
        case "float" -> new DType(Code.FLOAT, bitsText.isEmpty() ? 32 : Integer.parseInt(bitsText), lanes);
        default -> new DType(Code.BFLOAT, bitsText.isEmpty() ? 16 : Integer.parseInt(bitsText), lanes);
      };
    } catch (IllegalArgumentException e) {
      throw CompileException.invalid("unknown dtype '%s': %s", text, e.getMessage());
    }
  }

  public DType withLanes(int n) { return new DType(code, bits, n); }

  /** The scalar type of one lane. */
  public DType element() { return lanes == 1 ? this : new DType(code, bits, 1); }

  public boolean isFloat() { return code == Code.FLOAT || code == Code.BFLOAT; }

  public boolean isInt() { return code == Code.INT; }

  public boolean isUInt() { return code == Code.UINT; }

  /** Integer or unsigned (bool included). */
  public boolean isIntegral() { return code == Code.INT || code == Code.UINT; }

  public boolean isBool() { return code == Code.UINT && bits == 1; }

  public boolean isHandle() { return code == Code.HANDLE; }

  public boolean isVector() { return lanes > 1; }

  /** Storage size of one element in bytes (bool takes one byte). */
  public int bytes() { return Math.max(1, bits / 8) * lanes; }

  @Override
  public String toString() {
    if (isBool()) return lanes == 1 ? "bool" : "boolx" + lanes;
    String base = switch (code) {
      case INT -> "int";
      case UINT -> "uint";
      case FLOAT -> "float";
      case BFLOAT -> "bfloat";
      case HANDLE -> "handle";
    };
    if (code == Code.HANDLE) return base;
    return base + bits + (lanes == 1 ? "" : "x" + lanes);
  }
}
