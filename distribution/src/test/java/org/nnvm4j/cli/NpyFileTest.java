package org.nnvm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

class NpyFileTest {
  @TempDir Path dir;

  @Test
  void roundTripsFloatAndIntArraysWithTheNumpyHeader() throws Exception {
    Path f = dir.resolve("a.npy");
    try (NDArray a = NDArray.of(new float[] {1, -2, 3.5f, 4, 5, 6}, Shape.of(2, 3))) {
      NpyFile.write(f, a);
    }
    byte[] bytes = Files.readAllBytes(f);
    String header = new String(bytes, 10, bytes.length - 10 - 24, StandardCharsets.ISO_8859_1);
    assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }").endsWith("\n");
    assertThat((10 + header.length()) % 64).isZero();
    try (NDArray b = NpyFile.read(f)) {
      assertThat(b.dtype()).isEqualTo(DType.F32);
      assertThat(b.shape()).isEqualTo(Shape.of(2, 3));
      assertThat(b.toFloatArray()).containsExactly(1, -2, 3.5f, 4, 5, 6);
    }
    Path g = dir.resolve("i.npy");
    try (NDArray a = NDArray.of(new int[] {7, 8}, Shape.of(2))) {
      NpyFile.write(g, a);
    }
    assertThat(new String(Files.readAllBytes(g), StandardCharsets.ISO_8859_1)).contains("'shape': (2,)");
    try (NDArray b = NpyFile.read(g)) {
      assertThat(b.toIntArray()).containsExactly(7, 8);
    }
  }

  @Test
  void dataShorterThanTheShapeIsRejectedBeforeAllocating() throws Exception {
    Path f = dir.resolve("a.npy");
    try (NDArray a = NDArray.of(new float[] {1, 2, 3, 4}, Shape.of(4))) {
      NpyFile.write(f, a);
    }
    byte[] bytes = Files.readAllBytes(f);
    Path cut = Files.write(dir.resolve("cut.npy"), Arrays.copyOf(bytes, bytes.length - 4));
    assertThatThrownBy(() -> NpyFile.read(cut)).isInstanceOf(CompileException.class).hasMessageContaining("cut.npy")
        .hasMessageContaining("has 12 data bytes but shape [4] of float32 needs 16");
    String giant = new String(bytes, StandardCharsets.ISO_8859_1).replace("(4,)", "(99999999999,)");
    Path big = Files.write(dir.resolve("big.npy"), giant.getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> NpyFile.read(big)).hasMessageContaining("needs 399999999996");
  }

  @Test
  void unsupportedLayoutsAndNonNpyFilesAreNamed() throws Exception {
    Path f = dir.resolve("a.npy");
    try (NDArray a = NDArray.of(new float[] {1, 2}, Shape.of(2))) {
      NpyFile.write(f, a);
    }
    String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
    Path fortran = Files.write(dir.resolve("f.npy"), text.replace("False", "True ").getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> NpyFile.read(fortran)).hasMessageContaining("Fortran order");
    Path complex = Files.write(dir.resolve("c.npy"), text.replace("<f4", "<c8").getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> NpyFile.read(complex)).hasMessageContaining("has dtype '<c8'");
    Path junk = Files.write(dir.resolve("junk.npy"), "not numpy at all".getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> NpyFile.read(junk)).hasMessageContaining("junk.npy").hasMessageContaining("magic");
  }
}
