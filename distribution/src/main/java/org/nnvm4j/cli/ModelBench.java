package org.nnvm4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Device;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * Times one model on nnvm4j (llvm, {@code -num-threads=N}) and, when asked, on ONNX Runtime in the same
 * JVM on the same random inputs: both warm up, then the timed runs alternate nnvm4j and ORT so that
 * both see the same machine load. ORT's worker threads do not spin-wait after a run ({@link OrtRunner}),
 * where they would take a core from the nnvm4j run that follows. nnvm4j's time is {@link GraphModule#run()} (inputs bound once, outputs
 * left in place); ORT's is {@code session.run} on tensors created once, including the release of its outputs.
 */
final class ModelBench {
  /** Seed of the random inputs (uniform in [-1, 1)). */
  static final long SEED = 20261121L;

  /** What to run: thread count, opt level, shape overrides, warm-up and timed runs, and whether to run ORT too. */
  record Options(int threads, int optLevel, Map<String, Shape> shapes, int warmup, int repeat, boolean vsOrt, boolean profile) {}

  /**
   * One model's figures. {@code ortMs} and {@code maxAbsDiff} are NaN without ORT, or when ORT cannot
   * open the model ({@code ortError} says why, e.g. an opset it no longer implements); the outputs are
   * those of the first (untimed) run, flat, in the model's output order. {@code profile} is each fused
   * call's time over {@code repeat} further runs with profiling on (empty unless asked for).
   */
  record Result(Path model, int threads, double compileMs, double nnvm4jMs, double ortMs, double maxAbsDiff, String ortError,
      List<float[]> nnvm4jOutputs, List<float[]> ortOutputs, List<GraphModule.OpProfile> profile) {
    double ratio() { return nnvm4jMs / ortMs; }
  }

  private ModelBench() {}

  /**
   * Null when ONNX Runtime's classes are on the class path and its natives load, else why not, naming the
   * artifact. Reflective, so that this class loads without the optional jar.
   */
  static String ortAvailability() {
    Class<?> env;
    try {
      env = Class.forName("ai.onnxruntime.OrtEnvironment", true, ModelBench.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      return "ONNX Runtime is not on the class path. It is an optional dependency of 'bench --vs ort' only: put "
          + OrtRunner.ARTIFACT + " (its jar carries the linux-x64 natives) in distribution/target/lib or on the class path";
    } catch (LinkageError e) {
      return "ONNX Runtime (" + OrtRunner.ARTIFACT + ") is on the class path but does not load: " + e;
    }
    try {
      env.getMethod("getEnvironment").invoke(null);
      return null;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
      return "ONNX Runtime (" + OrtRunner.ARTIFACT + ") is on the class path but its natives do not load: " + cause;
    }
  }

  static Result run(Path model, Options o) throws Exception {
    if (o.vsOrt()) {
      String why = ortAvailability();
      if (why != null) throw CompileException.invalid("%s", why);
    }
    long t0 = System.nanoTime();
    try (ImportedModel m = ModelOptions.load(model, o.shapes());
         CompiledGraph cg = ModelCompiler.compile(m, "llvm -num-threads=" + o.threads(), o.optLevel(), o.shapes());
         GraphModule gm = GraphModule.create(cg, Device.cpu(0))) {
      double compileMs = (System.nanoTime() - t0) / 1e6;
      Map<String, OrtRunner.Input> inputs = randomInputs(m, o.shapes());
      inputs.forEach((name, in) -> { if (gm.inputNames().contains(name)) gm.setInput(name, in.data()); });
      gm.run();
      List<float[]> mine = outputs(gm);
      for (int i = 0; i < o.warmup(); i++) gm.run();
      double[] nnvm4j = new double[Math.max(1, o.repeat())];
      OrtRunner ort = null;
      String ortError = null;
      if (o.vsOrt()) {
        try {
          ort = new OrtRunner(model, o.threads(), inputs);
        } catch (Exception e) { // OrtException, named only inside OrtRunner so that this class loads without ORT
          ortError = e.getMessage();
        }
      }
      if (ort == null) {
        for (int i = 0; i < nnvm4j.length; i++) nnvm4j[i] = time(gm::run);
        return new Result(model, o.threads(), compileMs, median(nnvm4j), Double.NaN, Double.NaN, ortError, mine, List.of(),
            profile(gm, o));
      }
      try (OrtRunner session = ort) {
        List<float[]> theirs = session.outputs();
        double diff = maxAbsDiff(model, mine, theirs);
        for (int i = 0; i < o.warmup(); i++) session.run();
        double[] orts = new double[nnvm4j.length];
        for (int i = 0; i < nnvm4j.length; i++) {
          nnvm4j[i] = time(gm::run);
          orts[i] = time(session::run);
        }
        return new Result(model, o.threads(), compileMs, median(nnvm4j), median(orts), diff, null, mine, theirs, profile(gm, o));
      }
    }
  }

  /**
   * Each fused call's time over {@code repeat} runs with profiling on, after the timed runs (the timing of
   * each call adds two clock reads, so these runs are not the ones the median comes from); empty unless asked.
   */
  private static List<GraphModule.OpProfile> profile(GraphModule gm, Options o) {
    if (!o.profile()) return List.of();
    gm.setProfiling(true);
    for (int i = 0; i < Math.max(1, o.repeat()); i++) gm.run();
    gm.setProfiling(false);
    return gm.profile();
  }

  /** Uniform [-1, 1) float32 data for every data input, of its declared shape or the one in {@code shapes}. */
  static Map<String, OrtRunner.Input> randomInputs(ImportedModel m, Map<String, Shape> shapes) {
    SplittableRandom random = new SplittableRandom(SEED);
    Map<String, OrtRunner.Input> out = new LinkedHashMap<>();
    for (String name : m.dataInputs()) {
      Shape s = shapes.getOrDefault(name, m.inputShapes().get(name));
      if (s == null) throw CompileException.invalid("input '%s' has symbolic dimensions; give them with --shape %s=D1,D2,...", name, name);
      if (!m.inputTypes().get(name).equals(DType.F32)) {
        throw CompileException.invalid("input '%s' is %s; bench generates float32 inputs only", name, m.inputTypes().get(name));
      }
      float[] data = new float[Math.toIntExact(s.numElements())];
      for (int i = 0; i < data.length; i++) data[i] = (float) (random.nextDouble() * 2 - 1);
      out.put(name, new OrtRunner.Input(s.toArray(), data));
    }
    return out;
  }

  /** The largest |a - b| over all outputs; fails when the two runtimes disagree on the outputs' number or sizes. */
  static double maxAbsDiff(Path model, List<float[]> a, List<float[]> b) {
    if (a.size() != b.size()) throw CompileException.invalid("%s: nnvm4j has %d outputs, ONNX Runtime %d", model, a.size(), b.size());
    double max = 0;
    for (int k = 0; k < a.size(); k++) {
      if (a.get(k).length != b.get(k).length) {
        throw CompileException.invalid("%s: output %d has %d elements on nnvm4j, %d on ONNX Runtime", model, k, a.get(k).length, b.get(k).length);
      }
      for (int i = 0; i < a.get(k).length; i++) max = Math.max(max, Math.abs((double) a.get(k)[i] - b.get(k)[i]));
    }
    return max;
  }

  private static List<float[]> outputs(GraphModule gm) {
    List<float[]> out = new ArrayList<>();
    for (int k = 0; k < gm.getNumOutputs(); k++) {
      try (NDArray a = gm.getOutput(k)) {
        if (!a.dtype().equals(DType.F32)) throw CompileException.invalid("output %d is %s; bench compares float32 outputs only", k, a.dtype());
        out.add(a.toFloatArray());
      }
    }
    return out;
  }

  /** What a timed action may throw: ORT's runs throw its checked exception. */
  @FunctionalInterface
  interface Action { void run() throws Exception; }

  private static double time(Action a) throws Exception {
    long s = System.nanoTime();
    a.run();
    return (System.nanoTime() - s) / 1e6;
  }

  static double median(double[] ms) {
    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
