package org.nnvm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.Var;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nnvm4j bench MODEL.onnx... [--threads 1,2] [--vs ort]}: compiles each model for
 * {@code llvm -num-threads=N}, runs it on random inputs (fixed seed) and prints the median time, with
 * {@code --vs ort} next to ONNX Runtime's on the same inputs in the same JVM (see {@link ModelBench}),
 * as rows of a Markdown table. Without a model: {@code --kernel vadd} times the compiled vector add and
 * prints the median, the spread, and the memory bandwidth.
 */
@Command(name = "bench", description = "Benchmark models (optionally against ONNX Runtime) or a compiled kernel: medians after warm-up.")
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "0..*", paramLabel = "MODEL", description = "Model files to benchmark; none: time --kernel.")
  List<Path> models = List.of();

  @Option(names = "--threads", split = ",", paramLabel = "N", defaultValue = "1",
      description = "Threads for nnvm4j (-num-threads=N) and ORT (intra-op N, inter-op 1); a list runs each (default: ${DEFAULT-VALUE}).")
  List<Integer> threads;

  @Option(names = "--vs", paramLabel = "ort", description = "Also run ONNX Runtime on the same inputs and compare (needs the optional " + OrtRunner.ARTIFACT + ").")
  String vs;

  @Option(names = "--warmup", defaultValue = "10", description = "Untimed runs before timing (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--opt-level", defaultValue = "2", description = "Optimization level for models, as compile (default: ${DEFAULT-VALUE}).")
  int optLevel;

  @Mixin ModelOptions options;

  @Option(names = "--kernel", defaultValue = "vadd", description = "Kernel to time: vadd (C = A + B, float32).")
  String kernel;

  @Option(names = "--n", defaultValue = "16777216", description = "Elements per tensor (default: ${DEFAULT-VALUE}).")
  long n;

  @Option(names = "--repeat", defaultValue = "50", description = "Timed runs after warm-up (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Option(names = "--profile", paramLabel = "K", defaultValue = "0",
      description = "After each model's timed runs, run it --repeat times more timing every fused function, and print the K that take the most time.")
  int profile;

  @Option(names = "--target", defaultValue = "llvm", description = "Target of --kernel; models run on llvm (default: ${DEFAULT-VALUE}).")
  String target;

  @Override
  public Integer call() throws Exception {
    return models.isEmpty() ? benchKernel() : benchModels();
  }

  private int benchModels() throws Exception {
    if (vs != null && !vs.equals("ort")) throw new ParameterException(spec.commandLine(), "unknown --vs '" + vs + "'; known: ort");
    boolean vsOrt = vs != null;
    if (vsOrt) {
      String why = ModelBench.ortAvailability();
      if (why != null) throw CompileException.invalid("%s", why);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf("warm-up %d, %d timed runs%s, opt level %d, random inputs uniform in [-1, 1) (seed %d)%n%n", warmup, repeat,
        vsOrt ? " alternating nnvm4j and ORT (ORT's workers do not spin between runs)" : "", optLevel, ModelBench.SEED);
    out.println(vsOrt ? "| model | threads | compile ms | nnvm4j ms | ORT ms | nnvm4j/ORT | max abs diff |" : "| model | threads | compile ms | nnvm4j ms |");
    out.println(vsOrt ? "|---|---:|---:|---:|---:|---:|---:|" : "|---|---:|---:|---:|");
    out.flush();
    int failed = 0;
    List<String> profiles = new ArrayList<>();
    for (Path model : models) {
      for (int n : threads) {
        try {
          ModelBench.Result r = ModelBench.run(model, new ModelBench.Options(n, optLevel, options.shapes(), warmup, repeat, vsOrt, profile > 0));
          if (r.ortError() != null) { // ORT's limitation, not a failed benchmark: the row says so
            out.printf("| %s | %d | %.0f | %.4f | ORT cannot run it: %s | | |%n", label(model), n, r.compileMs(), r.nnvm4jMs(),
                r.ortError().replace('\n', ' '));
          } else if (vsOrt) {
            out.printf("| %s | %d | %.0f | %.4f | %.4f | %.2f | %.2e |%n", label(model), n, r.compileMs(), r.nnvm4jMs(), r.ortMs(), r.ratio(), r.maxAbsDiff());
          } else {
            out.printf("| %s | %d | %.0f | %.4f |%n", label(model), n, r.compileMs(), r.nnvm4jMs());
          }
          if (profile > 0) profiles.add(profileTable(r));
        } catch (Exception e) {
          failed++;
          out.printf("| %s | %d | error: %s |%n", label(model), n, String.valueOf(e.getMessage()).replace('\n', ' '));
        }
        out.flush();
      }
    }
    for (String p : profiles) out.print(p);
    out.flush();
    return failed == 0 ? 0 : 1;
  }

  /**
   * The {@link #profile} fused functions of {@code r} that take the most time, as a markdown table: mean
   * time per run, share of the profiled total, the function and the deploy node it runs for.
   */
  private String profileTable(ModelBench.Result r) {
    long total = r.profile().stream().mapToLong(GraphModule.OpProfile::totalNanos).sum();
    long runs = r.profile().stream().mapToLong(GraphModule.OpProfile::calls).max().orElse(1);
    StringBuilder b = new StringBuilder(String.format("%n%s, %d thread(s): %d fused calls, %.4f ms per run in all%n%n", label(r.model()),
        r.threads(), r.profile().size(), total / 1e6 / runs));
    b.append("| ms per run | share | function | node |\n|---:|---:|---|---|\n");
    r.profile().stream().sorted(Comparator.comparingLong(GraphModule.OpProfile::totalNanos).reversed()).limit(profile)
        .forEach(p -> b.append(String.format("| %.4f | %.1f%% | %s | %s |%n", p.totalNanos() / 1e6 / Math.max(1, p.calls()),
            100.0 * p.totalNanos() / Math.max(1, total), p.function(), p.node())));
    return b.toString();
  }

  /** The model's file name, or its folder's name for the test-data layout {@code CASE/model.onnx}. */
  private static String label(Path model) {
    String f = model.getFileName().toString();
    return f.equals("model.onnx") && model.getParent() != null ? model.getParent().getFileName().toString() : f;
  }

  private int benchKernel() {
    if (!kernel.equals("vadd")) throw new ParameterException(spec.commandLine(), "unknown kernel '" + kernel + "'; known: vadd");
    PrintWriter out = spec.commandLine().getOut();
    Var len = Te.var("n");
    Tensor a = Te.placeholder(List.of(len), DType.F32, "A");
    Tensor b = Te.placeholder(List.of(len), DType.F32, "B");
    Tensor c = Te.compute(a.shape(), i -> IrOps.add(a.get(i), b.get(i)), "C");
    try (Backend backend = BackendRegistry.defaultRegistry().create(Target.parse(target))) {
      PrimFunc f = Lower.lower(backend.lowering().schedule(new ScheduleRequest(List.of(c), "elemwise", "add", Map.of())),
          List.of(a, b, c), "myadd");
      long t0 = System.nanoTime();
      try (Module m = backend.lowering().codegen(List.of(f), PassContext.defaults())) {
        double compileMs = (System.nanoTime() - t0) / 1e6;
        Runtime rt = backend.runtime();
        var dev = rt.devices().get(0);
        try (DeviceBuffer da = rt.allocate(dev, 4 * n); DeviceBuffer db = rt.allocate(dev, 4 * n);
             DeviceBuffer dc = rt.allocate(dev, 4 * n)) {
          ModuleFunction fn = m.function("myadd");
          List<DeviceBuffer> args = List.of(da, db, dc);
          long[] scalars = {n};
          for (int i = 0; i < warmup; i++) fn.call(args, scalars);
          double[] ms = new double[repeat];
          double[] deviceMs = new double[repeat];
          for (int i = 0; i < repeat; i++) {
            long s = System.nanoTime();
            fn.call(args, scalars);
            rt.synchronize(dev);
            ms[i] = (System.nanoTime() - s) / 1e6;
            deviceMs[i] = deviceMillis(fn);
          }
          Arrays.sort(ms);
          Arrays.sort(deviceMs);
          double median = ms[repeat / 2];
          double gbs = 3.0 * 4 * n / (median / 1e3) / 1e9;
          out.printf("kernel vadd, n=%d, target %s: codegen %.1f ms in all%s%n", n, backend.target(), compileMs, phases(m));
          out.printf("median %.3f ms (min %.3f, p90 %.3f) over %d runs -> %.1f GB/s (3 x %d MB moved per run)%n",
              median, ms[0], ms[(int) (repeat * 0.9)], repeat, gbs, 4 * n >> 20);
          if (deviceMs[repeat / 2] > 0) {
            out.printf("kernel time from device events: median %.3f ms (min %.3f)%n", deviceMs[repeat / 2], deviceMs[0]);
          }
        }
      }
    }
    out.flush();
    return 0;
  }

  /** The device time of the last call from the backend's events, or 0 where it has none (reflectively, as {@link #phases}). */
  private static double deviceMillis(ModuleFunction fn) {
    try {
      Class<?> c = Class.forName("org.nnvm4j.backend.opencl.OpenClBackend");
      return (double) c.getMethod("lastDeviceMillis", ModuleFunction.class).invoke(null, fn);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return 0;
    }
  }

  /** The LLVM phase times when the module reports them (reflectively: the CLI does not depend on a backend). */
  private static String phases(Module m) {
    try {
      Class<?> c = Class.forName("org.nnvm4j.backend.llvm.LlvmBackend");
      double[] t = (double[]) c.getMethod("compileTimesMs", Module.class).invoke(null, m);
      return String.format(" (build IR %.1f ms, O3 %.1f ms, JIT %.1f ms)", t[0], t[1], t[2]);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return "";
    }
  }
}
