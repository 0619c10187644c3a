package org.nnvm4j.tensor;

/**
 * bfloat16 conversions. nnvm4j treats bfloat16 as a storage type, as TVM does: arithmetic on bfloat16
 * values happens in float32, and a value is rounded to bfloat16 (nearest, ties to even) when it is
 * stored or cast to bfloat16.
 */
public final class BFloat16 {
  private BFloat16() {}

  /** The bfloat16 bits nearest to {@code f} (ties to even; NaN stays a quiet NaN). */
  public static short toBits(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x0040);
    int bias = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + bias) >>> 16);
  }

  /** The float value of bfloat16 {@code bits}. */
  public static float fromBits(short bits) { return Float.intBitsToFloat((bits & 0xffff) << 16); }

  /** {@code v} rounded to the nearest bfloat16 value. */
  public static float round(double v) { return fromBits(toBits((float) v)); }
}
