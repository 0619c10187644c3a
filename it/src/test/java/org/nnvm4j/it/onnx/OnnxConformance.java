package org.nnvm4j.it.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Device;
import org.nnvm4j.frontend.onnx.OnnxImporter;
import org.nnvm4j.frontend.onnx.OnnxModelReader;
import org.nnvm4j.frontend.onnx.OnnxTensors;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ValueInfoProto;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.it.onnx.CaseResult.Status;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Nnvm4jException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * Runs the ONNX backend test cases ({@code <suite>/<case>/model.onnx} with
 * {@code test_data_set_*\/input_*.pb} and {@code output_*.pb}): each is imported, compiled for a
 * target, run on every data set, and compared with rtol 1e-3, atol 1e-5. All cases run in this JVM.
 */
public final class OnnxConformance {
  public static final double RTOL = 1e-3;
  public static final double ATOL = 1e-5;

  /** One case: its suite ({@code node}, {@code simple}, ...) and folder. */
  public record Case(String suite, Path dir) {
    public String id() { return suite + "/" + dir.getFileName(); }
  }

  private final String target;
  private final PassContext ctx = PassContext.builder().optLevel(Integer.getInteger("nnvm4j.conformance.optLevel", 2)).build();

  public OnnxConformance(String target) { this.target = target; }

  /** Device 0 of the target's device type ({@code cpu(0)} for llvm, {@code opencl(0)} for opencl). */
  private Device device() {
    String kind = org.nnvm4j.backend.Target.parse(target).kind();
    return new Device(org.nnvm4j.backend.BackendRegistry.defaultRegistry().provider(kind).targetKind().deviceType(), 0);
  }

  /** The cases of {@code suites} under {@code root}, sorted by id; folders without a model are skipped. */
  public static List<Case> discover(Path root, List<String> suites) throws IOException {
    List<Case> cases = new ArrayList<>();
    for (String suite : suites) {
      Path s = root.resolve(suite);
      if (!Files.isDirectory(s)) continue;
      try (Stream<Path> dirs = Files.list(s)) {
        dirs.filter(d -> Files.isRegularFile(d.resolve("model.onnx"))).sorted().forEach(d -> cases.add(new Case(suite, d)));
      }
    }
    return cases;
  }

  /** Runs {@code c}; every failure becomes a classified result, never an exception. */
  public CaseResult run(Case c) {
    long t0 = System.nanoTime();
    try {
      return timed(c, t0, runChecked(c));
    } catch (Nnvm4jException e) {
      Status s = e.code() == ErrorCode.UNSUPPORTED ? Status.UNSUPPORTED : Status.ERROR;
      return new CaseResult(c.id(), s, firstLines(e.getMessage()), null, null, ms(t0));
    } catch (RuntimeException | IOException | StackOverflowError e) {
      return new CaseResult(c.id(), Status.ERROR, e.getClass().getSimpleName() + ": " + firstLines(String.valueOf(e.getMessage())),
          null, null, ms(t0));
    }
  }

  private static CaseResult timed(Case c, long t0, CaseResult r) {
    return new CaseResult(c.id(), r.status(), r.detail(), r.maxAbsError(), r.maxRelError(), ms(t0));
  }

  private CaseResult runChecked(Case c) throws IOException {
    Path model = c.dir().resolve("model.onnx");
    List<Path> sets;
    try (Stream<Path> s = Files.list(c.dir())) {
      sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
    }
    if (sets.isEmpty()) return new CaseResult(c.id(), Status.ERROR, "no test_data_set_* folder", null, null, 0);
    GraphProto graph = OnnxModelReader.read(model).model().getGraph();
    List<String> dataInputs = dataInputs(graph);
    for (ValueInfoProto in : graph.getInputList()) {
      if (dataInputs.contains(in.getName()) && !in.getType().hasTensorType()) {
        return new CaseResult(c.id(), Status.UNSUPPORTED, "graph input '" + in.getName() + "' is a " + in.getType().getValueCase()
            + ", not a tensor", null, null, 0);
      }
    }
    for (ValueInfoProto out : graph.getOutputList()) {
      if (!out.getType().hasTensorType()) {
        return new CaseResult(c.id(), Status.UNSUPPORTED, "graph output '" + out.getName() + "' is a " + out.getType().getValueCase()
            + ", not a tensor", null, null, 0);
      }
    }
    double maxAbs = 0;
    double maxRel = 0;
    for (Path set : sets) {
      CaseResult r = runSet(c, model, set, dataInputs);
      if (r.status() != Status.PASS) return r;
      maxAbs = Math.max(maxAbs, r.maxAbsError());
      maxRel = Math.max(maxRel, r.maxRelError());
    }
    return new CaseResult(c.id(), Status.PASS, "", maxAbs, maxRel, 0);
  }

  /**
   * One data set: the model is imported for its input shapes, with the inputs offered for binding
   * (an input that a converter needs as a constant, such as Reshape's shape, takes this set's value),
   * compiled, run and compared.
   */
  private CaseResult runSet(Case c, Path model, Path set, List<String> dataInputs) throws IOException {
    List<NDArray> inputs = readAll(set, "input_");
    List<NDArray> expected = List.of();
    try {
      expected = readAll(set, "output_");
      if (inputs.size() > dataInputs.size()) {
        return new CaseResult(c.id(), Status.ERROR, inputs.size() + " input files but the graph has " + dataInputs.size()
            + " data inputs " + dataInputs, null, null, 0);
      }
      Map<String, NDArray> byName = new LinkedHashMap<>();
      Map<String, Shape> shapes = new LinkedHashMap<>();
      Map<String, DType> dtypes = new LinkedHashMap<>();
      for (int i = 0; i < inputs.size(); i++) {
        byName.put(dataInputs.get(i), inputs.get(i));
        shapes.put(dataInputs.get(i), inputs.get(i).shape());
        dtypes.put(dataInputs.get(i), inputs.get(i).dtype());
      }
      try (ImportedModel m = OnnxImporter.importModel(model, shapes, byName);
           CompiledGraph cg = Compiler.build(m.graph(), target, used(m, shapes), used(m, dtypes), DType.F32, copy(m.params()), ctx);
           GraphModule gm = GraphModule.create(cg, device())) {
        Set<String> free = new HashSet<>(gm.inputNames());
        free.retainAll(m.dataInputs());
        for (String name : free) {
          if (!byName.containsKey(name)) return new CaseResult(c.id(), Status.ERROR, "no input file for '" + name + "'", null, null, 0);
          gm.setInput(name, byName.get(name));
        }
        gm.run();
        if (expected.size() != gm.getNumOutputs()) {
          return new CaseResult(c.id(), Status.MISMATCH, "the graph has " + gm.getNumOutputs() + " outputs, expected " + expected.size(),
              null, null, 0);
        }
        double maxAbs = 0;
        double maxRel = 0;
        for (int k = 0; k < expected.size(); k++) {
          try (NDArray out = gm.getOutput(k)) {
            OutputComparison cmp = OutputComparison.of(set.getFileName() + " output " + k + " ('" + m.outputNames().get(k) + "')",
                out, expected.get(k), RTOL, ATOL);
            if (!cmp.ok()) {
              Double abs = Double.isNaN(cmp.maxAbs()) ? null : cmp.maxAbs();
              Double rel = Double.isNaN(cmp.maxRel()) ? null : cmp.maxRel();
              return new CaseResult(c.id(), Status.MISMATCH, cmp.problem(), abs, rel, 0);
            }
            maxAbs = Math.max(maxAbs, cmp.maxAbs());
            maxRel = Math.max(maxRel, cmp.maxRel());
          }
        }
        return new CaseResult(c.id(), Status.PASS, "", maxAbs, maxRel, 0);
      }
    } finally {
      inputs.forEach(NDArray::close);
      expected.forEach(NDArray::close);
    }
  }

  /** The compiled graph owns (and closes) its params; it gets its own copies so the import can close its. */
  private static Map<String, NDArray> copy(Map<String, NDArray> params) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    params.forEach((k, v) -> out.put(k, NDArray.allocate(v.dtype(), v.shape()).copyFrom(v)));
    return out;
  }

  /** The entries of {@code byInput} for inputs the imported graph reads (an input no node uses is dropped at import). */
  private static <T> Map<String, T> used(ImportedModel m, Map<String, T> byInput) {
    Map<String, T> out = new LinkedHashMap<>(byInput);
    out.keySet().retainAll(m.inputTypes().keySet());
    return out;
  }

  /** The graph inputs that are not initializers, in declaration order: input_i.pb feeds the i-th. */
  private static List<String> dataInputs(GraphProto g) {
    Set<String> init = new HashSet<>();
    for (TensorProto t : g.getInitializerList()) init.add(t.getName());
    return g.getInputList().stream().map(ValueInfoProto::getName).filter(n -> !init.contains(n)).toList();
  }

  private static List<NDArray> readAll(Path set, String prefix) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(set)) {
      files = s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".pb"))
          .sorted(java.util.Comparator.comparingInt(p -> index(p, prefix))).toList();
    }
    List<NDArray> out = new ArrayList<>();
    try {
      for (Path f : files) out.add(OnnxTensors.readFile(f));
    } catch (RuntimeException e) {
      out.forEach(NDArray::close);
      throw e;
    }
    return out;
  }

  private static int index(Path p, String prefix) {
    String n = p.getFileName().toString();
    return Integer.parseInt(n.substring(prefix.length(), n.length() - ".pb".length()));
  }

  private static String firstLines(String message) {
    String[] lines = message.split("\n");
    StringBuilder b = new StringBuilder(lines[0]);
    for (int i = 1; i < Math.min(lines.length, 4); i++) b.append(' ').append(lines[i].trim());
    if (lines.length > 4) b.append(" ... (").append(lines.length - 4).append(" more)");
    return b.toString();
  }

  private static long ms(long t0) { return (System.nanoTime() - t0) / 1_000_000; }
}
