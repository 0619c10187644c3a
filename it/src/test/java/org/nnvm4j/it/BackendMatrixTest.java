package org.nnvm4j.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Device;
import org.nnvm4j.tensor.NDArray;

/**
 * The backend x device matrix: every discovered backend crossed with device 0 of its device type and
 * the small CNNs at opt levels 0 and 3, each compared with the same graph run unfused by the TIR
 * interpreter ({@link SmallCnnTest#assertClose}, |a - d| <= 1e-5 + 1e-4 |d|). A backend that cannot
 * run here (arm, cuda without a GPU) is reported skipped with its reason.
 */
class BackendMatrixTest {
  /** Every discovered backend except the interpreter backend, which is the reference. */
  static Stream<Arguments> matrix() {
    List<Arguments> out = new ArrayList<>();
    for (BackendRegistry.Entry e : BackendRegistry.defaultRegistry().entries()) {
      if (e.kind().equals("interp")) continue;
      for (Arguments m : SmallCnnTest.models().toList()) {
        for (int opt : new int[] {0, 3}) out.add(Arguments.of(e.kind(), m.get()[0], m.get()[1], opt));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} x {1} at opt {3}")
  @MethodSource("matrix")
  void sameOutputsAsTheInterpreter(String kind, String name, CnnModels.Model m, int optLevel) {
    Availability a = BackendRegistry.defaultRegistry().provider(kind).availability();
    assumeTrue(a.canRun(), kind + ": " + a.reason());
    Device device = new Device(BackendRegistry.defaultRegistry().provider(kind).targetKind().deviceType(), 0);
    try (NDArray x = CnnModels.input(m.input(), 3)) {
      float[] reference = SmallCnnTest.run(m, "interp", 0, new Device("interp", 0), x);
      float[] actual = SmallCnnTest.run(m, kind, optLevel, device, x);
      SmallCnnTest.assertClose(actual, reference, kind + " " + name + " at opt " + optLevel);
    }
  }
}
