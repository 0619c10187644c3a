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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.it.onnx.CaseResult.Status;

/**
 * The ONNX conformance suite on the {@code llvm} target over the Debian package
 * {@code libonnx-testdata}: writes {@code target/onnx-conformance.json} and a summary, and fails when
 * a case listed in {@code conformance/<target>.txt} does not pass. Other targets with
 * {@code -Dnnvm4j.conformance.targets=llvm,opencl} (their reports go to {@code onnx-conformance-<target>.json}). {@code -Dnnvm4j.conformance.update=true}
 * rewrites that list from this run.
 */
class OnnxConformanceTest {
  static final Path DATA = Path.of(System.getProperty("nnvm4j.onnx.testdata", "/usr/share/libonnx-testdata/data"));
  static final List<String> SUITES = List.of("node", "pytorch-converted", "pytorch-operator", "simple");

  /** The targets to run: {@code -Dnnvm4j.conformance.targets=llvm,opencl} (default: both; a target whose device is missing is skipped with the reason). */
  static List<String> targets() {
    return List.of(System.getProperty("nnvm4j.conformance.targets", "llvm,opencl").split(","));
  }

  /** The committed expected-pass list of {@code target}: {@code conformance/<target>.txt}. */
  static Path expectedFile(String target) { return Path.of("src/test/resources/conformance/" + target + ".txt"); }

  @ParameterizedTest(name = "ONNX conformance on {0}")
  @MethodSource("targets")
  void conformance(String target) throws IOException {
    Assumptions.assumeTrue(Files.isDirectory(DATA), "ONNX test data not found at " + DATA + " (apt-get install libonnx-testdata)");
    var avail = BackendRegistry.defaultRegistry().provider(target).availability();
    Assumptions.assumeTrue(avail.canRun(), avail.reason());
    Path expectedFile = expectedFile(target);
    List<OnnxConformance.Case> cases = OnnxConformance.discover(DATA, SUITES);
    OnnxConformance runner = new OnnxConformance(target);
    List<CaseResult> results = new ArrayList<>();
    long t0 = System.nanoTime();
    for (OnnxConformance.Case c : cases) results.add(runner.run(c));
    long seconds = (System.nanoTime() - t0) / 1_000_000_000L;

    Map<Status, Integer> totals = new EnumMap<>(Status.class);
    for (Status s : Status.values()) totals.put(s, 0);
    results.forEach(r -> totals.merge(r.status(), 1, Integer::sum));
    writeJson(target, results, totals, seconds);
    System.out.println(summary(target, results, totals, seconds));

    Set<String> passing = new TreeSet<>();
    results.stream().filter(r -> r.status() == Status.PASS).forEach(r -> passing.add(r.id()));
    if (Boolean.getBoolean("nnvm4j.conformance.update")) {
      Files.writeString(expectedFile, "# ONNX conformance cases that pass on target " + target
          + " (regenerate: -Dnnvm4j.conformance.update=true)\n"
          + String.join("\n", passing) + "\n", StandardCharsets.UTF_8);
    }
    Map<String, CaseResult> byId = new LinkedHashMap<>();
    results.forEach(r -> byId.put(r.id(), r));
    List<String> regressed = new ArrayList<>();
    for (String id : expectedPasses(expectedFile)) {
      CaseResult r = byId.get(id);
      if (r == null) regressed.add(id + ": case not found");
      else if (r.status() != Status.PASS) regressed.add(id + ": " + r.status() + " " + r.detail());
    }
    assertThat(regressed).as("cases on conformance/" + target + ".txt that no longer pass").isEmpty();
  }

  private static List<String> expectedPasses(Path file) throws IOException {
    if (!Files.exists(file)) return List.of();
    return Files.readAllLines(file).stream().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }

  private static void writeJson(String target, List<CaseResult> results, Map<Status, Integer> totals, long seconds)
      throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("target", target);
    doc.put("data", DATA.toString());
    doc.put("rtol", OnnxConformance.RTOL);
    doc.put("atol", OnnxConformance.ATOL);
    doc.put("seconds", seconds);
    Map<String, Integer> t = new LinkedHashMap<>();
    t.put("cases", results.size());
    totals.forEach((k, v) -> t.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
    doc.put("totals", t);
    doc.put("cases", results);
    Path out = Path.of(target.equals("llvm") ? "target/onnx-conformance.json" : "target/onnx-conformance-" + target + ".json");
    Files.createDirectories(out.getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), doc);
  }

  private static String summary(String target, List<CaseResult> results, Map<Status, Integer> totals, long seconds) {
    StringBuilder b = new StringBuilder("== ONNX conformance on " + target + ": " + results.size() + " cases in " + seconds + " s: ");
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
