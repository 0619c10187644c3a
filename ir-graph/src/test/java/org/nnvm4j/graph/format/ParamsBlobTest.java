package org.nnvm4j.graph.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** The params blob is TVM's {@code save_param_dict} layout, byte for byte, and round-trips bit-exactly. */
class ParamsBlobTest {
  /** {"w": float32[2] {1, -2}} as TVM writes it (fields split per line). */
  private static final String GOLDEN = String.join("",
      "b79c04054f8de5f7", "0000000000000000", // list magic, reserved
      "0100000000000000", "0100000000000000", "77", // 1 name: length 1, "w"
      "0100000000000000", // 1 array
      "3fa1b496f0405edd", "0000000000000000", // array magic, reserved
      "01000000", "00000000", // DLDevice: kDLCPU, id 0
      "01000000", // ndim
      "022001" + "00", // DLDataType: float (2), 32 bits, 1 lane
      "0200000000000000", // shape[0]
      "0800000000000000", // data bytes
      "0000803f", "000000c0"); // 1.0f, -2.0f

  @Test
  void goldenBytesPinTheLayout() {
    byte[] blob = ParamsBlob.save(Map.of("w", NDArray.of(1f, -2f)));
    assertThat(HexFormat.of().formatHex(blob)).isEqualTo(GOLDEN);
    Map<String, NDArray> back = ParamsBlob.load(HexFormat.of().parseHex(GOLDEN));
    assertThat(back.keySet()).containsExactly("w");
    assertThat(back.get("w").toFloatArray()).containsExactly(1f, -2f);
  }

  @Test
  void roundTripIsBitExactForSeveralDtypesAndRanks() {
    Map<String, NDArray> params = new LinkedHashMap<>();
    NDArray f = NDArray.of(new float[] {Float.NaN, -0f, Float.MIN_VALUE, 3.5f, Float.NEGATIVE_INFINITY, 1e30f}, Shape.of(2, 3));
    params.put("conv0_weight", f);
    params.put("scalar", NDArray.of(new double[] {Math.PI}, Shape.scalar()));
    NDArray i64 = NDArray.allocate(DType.I64, Shape.of(3));
    for (int i = 0; i < 3; i++) i64.segment().setAtIndex(ValueLayout.JAVA_LONG, i, Long.MIN_VALUE + i);
    params.put("ids", i64);
    NDArray u8 = NDArray.allocate(DType.U8, Shape.of(1, 1, 5));
    for (int i = 0; i < 5; i++) u8.segment().set(ValueLayout.JAVA_BYTE, i, (byte) (250 + i));
    params.put("bytes", u8);
    params.put("empty", NDArray.allocate(DType.F32, Shape.of(0, 4)));
    byte[] blob = ParamsBlob.save(params);
    Map<String, NDArray> back = ParamsBlob.load(blob);
    assertThat(back.keySet()).containsExactlyElementsOf(params.keySet());
    for (String k : params.keySet()) {
      NDArray a = params.get(k), b = back.get(k);
      assertThat(b.dtype()).as(k).isEqualTo(a.dtype());
      assertThat(b.shape()).as(k).isEqualTo(a.shape());
      long n = a.numElements() * ((a.dtype().bits() + 7) / 8);
      assertThat(b.segment().asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)).as(k).isEqualTo(a.segment().asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
    }
    assertThat(ParamsBlob.save(back)).isEqualTo(blob);
  }

  private static void assertMalformed(String hex, String message) {
    assertThatThrownBy(() -> ParamsBlob.load(HexFormat.of().parseHex(hex))).isInstanceOf(CompileException.class).hasMessage(message);
  }

  /** GOLDEN with the bytes at {@code offset} replaced by {@code hex}. */
  private static String patch(int offset, String hex) {
    return GOLDEN.substring(0, 2 * offset) + hex + GOLDEN.substring(2 * offset + hex.length());
  }

  @Test
  void malformedBlobsAreNamed() {
    assertMalformed("0000000000000000" + GOLDEN.substring(16),
        "params blob is malformed: magic is 0x0000000000000000, expected 0xF7E58D4F05049CB7");
    assertMalformed(GOLDEN.substring(0, GOLDEN.length() - 8), "params blob is malformed: array 'w' is truncated");
    assertMalformed(GOLDEN.substring(0, 40), "params blob is malformed: the blob ends early");
    assertMalformed(GOLDEN + "00", "params blob is malformed: 1 bytes follow the last array");
    assertMalformed(GOLDEN.replace("0100000000000000" + "3fa1", "0200000000000000" + "3fa1"),
        "params blob is malformed: 1 names but 2 arrays");
    assertMalformed(GOLDEN.replace("3fa1b496f0405edd", "3fa1b496f0405ede"),
        "params blob is malformed: array magic of 'w' is 0xDE5E40F096B4A13F, expected 0xDD5E40F096B4A13F");
    assertMalformed(GOLDEN.substring(0, 32) + "ffffffffffffff7f" + GOLDEN.substring(48),
        "params blob is malformed: name count 9223372036854775807");
    assertMalformed(GOLDEN.substring(0, 48) + "ff00000000000000" + GOLDEN.substring(64),
        "params blob is malformed: name length 255");
    assertMalformed(patch(57, "02000000"),
        "params blob is malformed: array 'w' has device type 2; only CPU (1) arrays are stored");
    assertMalformed(GOLDEN.replace("02200100", "07200100"), "params blob is malformed: array 'w' has DLDataType code 7");
    assertMalformed(GOLDEN.replace("0800000000000000", "0900000000000000"),
        "params blob is malformed: array 'w' of float32 [2] claims 9 data bytes");
  }
}
