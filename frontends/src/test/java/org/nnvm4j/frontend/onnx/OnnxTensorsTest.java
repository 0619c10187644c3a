package org.nnvm4j.frontend.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.frontend.onnx.proto.Onnx.StringStringEntryProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

class OnnxTensorsTest {
  private static final long ABSENT = Long.MIN_VALUE;

  @TempDir Path dir;

  private Path model() { return dir.resolve("m.onnx"); }

  private NDArray read(TensorProto t) { return OnnxTensors.read(t, dir, model()); }

  private static TensorProto external(String location, long offset, long length, long... dims) {
    TensorProto.Builder b = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE)
        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location));
    if (offset != ABSENT) b.addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)));
    if (length != ABSENT) b.addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(Long.toString(length)));
    for (long d : dims) b.addDims(d);
    return b.build();
  }

  private Path weights(String name, float... v) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) b.putFloat(x);
    return Files.write(dir.resolve(name), b.array());
  }

  @Test
  void readsRawAndTypedData() {
    try (NDArray a = read(TestModels.rawF32("a", new float[] {1, 2, 3, 4, 5, 6}, 2, 3))) {
      assertThat(a.shape()).isEqualTo(Shape.of(2, 3));
      assertThat(a.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
    }
    TensorProto ints = TensorProto.newBuilder().setName("i").setDataType(TensorProto.DataType.INT64_VALUE).addDims(3)
        .addInt64Data(7).addInt64Data(-1).addInt64Data(1L << 40).build();
    try (NDArray a = read(ints)) {
      assertThat(a.dtype()).isEqualTo(DType.I64);
      assertThat(new long[] {a.getLong(0), a.getLong(1), a.getLong(2)}).containsExactly(7, -1, 1L << 40);
    }
    TensorProto u8 = TensorProto.newBuilder().setName("u").setDataType(TensorProto.DataType.UINT8_VALUE).addDims(2)
        .addInt32Data(200).addInt32Data(3).build();
    try (NDArray a = read(u8)) {
      assertThat(a.getLong(0)).isEqualTo(200);
      assertThat(a.getLong(1)).isEqualTo(3);
    }
  }

  @Test
  void rawDataShorterThanDimsIsMalformed() {
    TensorProto t = TestModels.rawF32("w", new float[] {1, 2, 3}, 2, 3);
    assertThatThrownBy(() -> read(t)).isInstanceOf(CompileException.class)
        .hasMessageContaining("m.onnx").hasMessageContaining("tensor 'w'").hasMessageContaining("12 bytes of raw_data")
        .hasMessageContaining("need 24");
  }

  @Test
  void typedFieldCountMustMatchDims() {
    TensorProto t = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(4)
        .addFloatData(1).build();
    assertThatThrownBy(() -> read(t)).hasMessageContaining("1 values in float_data but dims [4] need 4");
  }

  @Test
  void giantAndNegativeDimsAreRejectedBeforeAllocating() {
    TensorProto giant = TestModels.rawF32("w", new float[] {1}, 1L << 40, 1L << 40);
    assertThatThrownBy(() -> read(giant)).isInstanceOf(CompileException.class).hasMessageContaining("overflows 64 bits");
    TensorProto big = TestModels.rawF32("w", new float[] {1}, 1L << 40);
    assertThatThrownBy(() -> read(big)).hasMessageContaining("4 bytes of raw_data").hasMessageContaining("need 4398046511104");
    TensorProto neg = TestModels.rawF32("w", new float[] {1}, -1);
    assertThatThrownBy(() -> read(neg)).hasMessageContaining("negative dimension -1");
  }

  @Test
  void unsupportedElementTypeIsNamed() {
    TensorProto s = TensorProto.newBuilder().setName("s").setDataType(TensorProto.DataType.STRING_VALUE).addDims(1)
        .addStringData(ByteString.copyFromUtf8("x")).build();
    assertThatThrownBy(() -> read(s)).hasMessageContaining("tensor 's' has element type STRING");
  }

  @Test
  void readsExternalDataAtAnOffset() throws Exception {
    weights("w.bin", 9, 1, 2, 3, 4);
    try (NDArray a = read(external("w.bin", 4, 16, 2, 2))) {
      assertThat(a.toFloatArray()).containsExactly(1, 2, 3, 4);
    }
    Files.createDirectories(dir.resolve("sub"));
    weights("sub/v.bin", 5, 6);
    try (NDArray a = read(external("sub/v.bin", ABSENT, ABSENT, 2))) {
      assertThat(a.toFloatArray()).containsExactly(5, 6);
    }
  }

  @Test
  void externalDataMayNotLeaveTheModelFolder() throws Exception {
    Path outside = Files.createTempFile("outside", ".bin");
    try {
      Files.write(outside, new byte[16]);
      assertThatThrownBy(() -> read(external("../" + outside.getFileName(), 0, 16, 4)))
          .isInstanceOf(CompileException.class).hasMessageContaining("escapes the model folder ('..')");
      assertThatThrownBy(() -> read(external(outside.toString(), 0, 16, 4)))
          .hasMessageContaining("must be a relative path inside the model folder");
      Files.createSymbolicLink(dir.resolve("link.bin"), outside);
      assertThatThrownBy(() -> read(external("link.bin", 0, 16, 4))).hasMessageContaining("escapes the model folder through a link");
      assertThatThrownBy(() -> read(external("sub/../../x.bin", 0, 16, 4))).hasMessageContaining("('..')");
    } finally {
      Files.deleteIfExists(outside);
    }
  }

  @Test
  void externalOffsetAndLengthAreCheckedAgainstTheFile() throws Exception {
    weights("w.bin", 1, 2, 3, 4);
    assertThatThrownBy(() -> read(external("w.bin", 8, 16, 4))).hasMessageContaining("offset 8 and length 16")
        .hasMessageContaining("the file has 16 bytes");
    assertThatThrownBy(() -> read(external("w.bin", 0, 1L << 50, 1L << 48))).hasMessageContaining("the file has 16 bytes");
    assertThatThrownBy(() -> read(external("w.bin", 0, 8, 4))).hasMessageContaining("has length 8 but dims [4]");
    assertThatThrownBy(() -> read(external("w.bin", -5, 8, 2))).hasMessageContaining("offset -5");
    assertThatThrownBy(() -> read(external("missing.bin", 0, 16, 4))).hasMessageContaining("'missing.bin' does not exist");
    TensorProto noLocation = external("", 0, 16, 4);
    assertThatThrownBy(() -> read(noLocation)).hasMessageContaining("has no external_data 'location'");
  }

  @Test
  void testDataFilesAreReadAndTruncationIsReported() throws Exception {
    byte[] bytes = TestModels.rawF32("x", new float[] {1, 2}, 2).toByteArray();
    Path f = Files.write(dir.resolve("input_0.pb"), bytes);
    try (NDArray a = OnnxTensors.readFile(f)) {
      assertThat(a.toFloatArray()).containsExactly(1, 2);
    }
    Path cut = Files.write(dir.resolve("cut.pb"), java.util.Arrays.copyOf(bytes, bytes.length - 3));
    assertThatThrownBy(() -> OnnxTensors.readFile(cut)).isInstanceOf(CompileException.class).hasMessageContaining("cut.pb");
  }
}
