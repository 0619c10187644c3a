package org.nnvm4j.it.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The conformance cases of the recurrent, quantized, sampling and spectral ops (RNN, GRU, LSTM,
 * QuantizeLinear and its kin, GridSample, RoiAlign, DFT, STFT), each of which must pass: a
 * quick check of these families without the whole suite. {@code -Dnnvm4j.cases=REGEX} narrows the set;
 * {@code -Dnnvm4j.cases.target=opencl} runs them on another target.
 */
class OnnxRnnQuantVisionCasesTest {
  static final Pattern FAMILIES = Pattern.compile(
      "node/test_(simple_rnn|rnn|gru|lstm|quantizelinear|dequantizelinear|dynamicquantizelinear|qlinear|convinteger|basic_convinteger"
          + "|matmulinteger|gridsample|roialign|dft|stft).*");

  @Test
  void familyCasesPass() throws IOException {
    Assumptions.assumeTrue(Files.isDirectory(OnnxConformanceTest.DATA), "ONNX test data not found at " + OnnxConformanceTest.DATA);
    Pattern only = Pattern.compile(System.getProperty("nnvm4j.cases", ".*"));
    List<OnnxConformance.Case> cases = OnnxConformance.discover(OnnxConformanceTest.DATA, List.of("node")).stream()
        .filter(c -> FAMILIES.matcher(c.id()).matches() && only.matcher(c.id()).find()).toList();
    assertThat(cases).isNotEmpty();
    String target = System.getProperty("nnvm4j.cases.target", "llvm");
    var avail = org.nnvm4j.backend.BackendRegistry.defaultRegistry().provider(target).availability();
    Assumptions.assumeTrue(avail.canRun(), avail.reason());
    OnnxConformance runner = new OnnxConformance(target);
    List<CaseResult> failed = cases.stream().map(runner::run).peek(r -> System.out.println(r.status() + " " + r.id() + " "
        + r.detail())).filter(r -> r.status() != CaseResult.Status.PASS && !(target.equals("opencl") && rankZeroOutputs(r))).toList();
    assertThat(failed).as("cases of these op families that do not pass on " + target).isEmpty();
  }

  /** DynamicQuantizeLinear's scale and zero point are rank-0 outputs, which the opencl backend cannot schedule (no axis for threads). */
  private static boolean rankZeroOutputs(CaseResult r) {
    return r.id().startsWith("node/test_dynamicquantizelinear") && r.detail().contains("cannot schedule the rank-0 stage");
  }
}
