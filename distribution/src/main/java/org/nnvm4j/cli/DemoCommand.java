package org.nnvm4j.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.backend.Target;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.Var;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nnvm4j demo}: the two programs nnvm4j was founded on, compiled for {@code --target} (the
 * CPU by default) and run on that backend's first device, printing their IR, the generated source
 * where the backend has one, and the results: TVM's vector add ({@code myadd}) and NNVM's
 * {@code elemwise_add} graph.
 */
@Command(name = "demo", description = "Compile and run the seed programs (TVM vector add, NNVM elemwise_add) and print IR and outputs.")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--target", defaultValue = "llvm", description = "Target to compile for (default: ${DEFAULT-VALUE}).")
  String target;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Device dev = tensorProgram(out);
    graphProgram(out, dev);
    out.flush();
    return 0;
  }

  /** Runs seed 1 and returns the device it ran on. */
  private Device tensorProgram(PrintWriter out) {
    out.println("== Seed program 1 (TVM): C = A + B over a symbolic length n ==");
    Var n = Te.var("n");
    Tensor a = Te.placeholder(List.of(n), DType.F32, "A");
    Tensor b = Te.placeholder(List.of(n), DType.F32, "B");
    Tensor c = Te.compute(a.shape(), i -> IrOps.add(a.get(i), b.get(i)), "C");
    try (Backend backend = BackendRegistry.defaultRegistry().create(Target.parse(target))) {
      var s = backend.lowering().schedule(new ScheduleRequest(List.of(c), "elemwise", "add", Map.of()));
      PrimFunc f = Lower.lower(s, List.of(a, b, c), "myadd");
      out.println("-- lowered TIR --");
      out.print(f);
      long t0 = System.nanoTime();
      try (Module m = backend.lowering().codegen(List.of(f), PassContext.defaults())) {
        out.printf("-- compiled for %s in %.1f ms; functions %s --%n", backend.target(), (System.nanoTime() - t0) / 1e6,
            m.functionNames());
        if (!m.sourceFormats().isEmpty()) {
          String format = m.sourceFormats().get(0);
          out.println("-- generated source (" + format + ") --");
          out.print(m.source(format));
        }
        Runtime rt = backend.runtime();
        Device dev = rt.devices().get(0);
        int len = 10;
        float[] x = new float[len];
        float[] y = new float[len];
        for (int i = 0; i < len; i++) { x[i] = i; y[i] = 10 * i; }
        try (DeviceBuffer da = rt.allocate(dev, 4L * len); DeviceBuffer db = rt.allocate(dev, 4L * len);
             DeviceBuffer dc = rt.allocate(dev, 4L * len); NDArray result = NDArray.allocate(DType.F32, Shape.of(len))) {
          rt.copyFromHost(java.lang.foreign.MemorySegment.ofArray(x), da);
          rt.copyFromHost(java.lang.foreign.MemorySegment.ofArray(y), db);
          ModuleFunction fn = m.function("myadd");
          fn.call(List.of(da, db, dc), fn.signature().bind(List.of(DType.F32, DType.F32, DType.F32),
              List.of(new long[] {len}, new long[] {len}, new long[] {len})));
          rt.copyToHost(dc, result.segment());
          out.println("A = " + Arrays.toString(x));
          out.println("B = " + Arrays.toString(y));
          out.println("C = " + Arrays.toString(result.toFloatArray()));
        }
        return dev;
      }
    }
  }

  private void graphProgram(PrintWriter out, Device dev) {
    out.println();
    out.println("== Seed program 2 (NNVM): z = elemwise_add(x, y) ==");
    Symbol x = Symbol.variable("x");
    Symbol y = Symbol.variable("y");
    Graph g = Graph.create(Symbol.elemwiseAdd(x, y));
    out.println(g.ir());
    try (CompiledGraph cg = Compiler.build(g, target, Map.of("x", Shape.of(4)), DType.F32);
         GraphModule m = GraphModule.create(cg.deployGraphJson(), cg.module(), dev)) {
      out.println("-- deploy graph --");
      out.println(cg.deployGraphJson());
      m.setInput("x", new float[] {1, 2, 3, 4});
      m.setInput("y", new float[] {4, 4, 4, 4});
      m.run();
      try (NDArray z = m.getOutput(0)) {
        out.println("x = [1, 2, 3, 4], y = [4, 4, 4, 4]");
        out.println("z = " + Arrays.toString(z.toFloatArray()));
      }
    }
  }
}
