package org.nnvm4j.it.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.it.onnx.CaseResult.Status;

/**
 * The ONNX conformance suite on the {@code llvm} target over the Debian package
 * {@code libonnx-testdata}: writes {@code target/onnx-conformance.json} and a summary, and fails when
 * a case listed in {@code conformance/llvm.txt} does not pass. {@code -Dnnvm4j.conformance.update=true}
 * rewrites that list from this run.
 */
class OnnxConformanceTest {
  static final Path DATA = Path.of(System.getProperty("nnvm4j.onnx.testdata", "/usr/share/libonnx-testdata/data"));
  static final List<String> SUITES = List.of("node", "pytorch-converted", "pytorch-operator", "simple");
  static final Path EXPECTED = Path.of("src/test/resources/conformance/llvm.txt");

  @Test
  void llvmConformance() throws IOException {
    Assumptions.assumeTrue(Files.isDirectory(DATA), "ONNX test data not found at " + DATA + " (apt-get install libonnx-testdata)");
    var avail = BackendRegistry.defaultRegistry().provider("llvm").availability();
    Assumptions.assumeTrue(avail.canRun(), avail.reason());
    List<OnnxConformance.Case> cases = OnnxConformance.discover(DATA, SUITES);
    OnnxConformance runner = new OnnxConformance("llvm");
    List<CaseResult> results = new ArrayList<>();
    long t0 = System.nanoTime();
    for (OnnxConformance.Case c : cases) results.add(runner.run(c));
    long seconds = (System.nanoTime() - t0) / 1_000_000_000L;

    Map<Status, Integer> totals = new EnumMap<>(Status.class);
    for (Status s : Status.values()) totals.put(s, 0);
    results.forEach(r -> totals.merge(r.status(), 1, Integer::sum));
    writeJson(results, totals, seconds);
    System.out.println(summary(results, totals, seconds));

    Set<String> passing = new TreeSet<>();
    results.stream().filter(r -> r.status() == Status.PASS).forEach(r -> passing.add(r.id()));
    if (Boolean.getBoolean("nnvm4j.conformance.update")) {
      Files.writeString(EXPECTED, "# ONNX conformance cases that pass on target llvm (regenerate: -Dnnvm4j.conformance.update=true)\n"
          + String.join("\n", passing) + "\n", StandardCharsets.UTF_8);
    }
    Map<String, CaseResult> byId = new LinkedHashMap<>();
    results.forEach(r -> byId.put(r.id(), r));
    List<String> regressed = new ArrayList<>();
    for (String id : expectedPasses()) {
      CaseResult r = byId.get(id);
      if (r == null) regressed.add(id + ": case not found");
      else if (r.status() != Status.PASS) regressed.add(id + ": " + r.status() + " " + r.detail());
    }
    assertThat(regressed).as("cases on conformance/llvm.txt that no longer pass").isEmpty();
  }

  private static List<String> expectedPasses() throws IOException {
    return Files.readAllLines(EXPECTED).stream().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }

  private static void writeJson(List<CaseResult> results, Map<Status, Integer> totals, long seconds) throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("target", "llvm");
    doc.put("data", DATA.toString());
    doc.put("rtol", OnnxConformance.RTOL);
    doc.put("atol", OnnxConformance.ATOL);
    doc.put("seconds", seconds);
    Map<String, Integer> t = new LinkedHashMap<>();
    t.put("cases", results.size());
    totals.forEach((k, v) -> t.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
    doc.put("totals", t);
    doc.put("cases", results);
    Path out = Path.of("target/onnx-conformance.json");
    Files.createDirectories(out.getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), doc);
  }

  private static String summary(List<CaseResult> results, Map<Status, Integer> totals, long seconds) {
    StringBuilder b = new StringBuilder("== ONNX conformance on llvm: " + results.size() + " cases in " + seconds + " s: ");
    totals.forEach((k, v) -> b.append(k.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(v).append("  "));
    b.append('\n');
    Map<String, Integer> reasons = new TreeMap<>();
    for (CaseResult r : results) {
      if (r.status() == Status.UNSUPPORTED) {
        for (String m : r.detail().split("(?=node ')")) {
          int i = m.indexOf("ONNX ");
          if (m.startsWith("node '") && i >= 0) reasons.merge(m.substring(i).split("[ (:]")[1], 1, Integer::sum);
        }
      }
    }
    for (CaseResult r : results) {
      if (r.status() == Status.MISMATCH || r.status() == Status.ERROR) {
        b.append(String.format("  %-9s %s: %s%n", r.status(), r.id(), r.detail()));
      }
    }
    b.append("  unsupported ONNX ops (cases): ");
    reasons.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue()).limit(40)
        .forEach(e -> b.append(e.getKey()).append('(').append(e.getValue()).append(") "));
    return b.toString();
  }
}
