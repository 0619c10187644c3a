package org.nnvm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.pass.PassInstrument;
import org.nnvm4j.pass.PassRegistry;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.transform.TirPipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nnvm4j ir MODEL}: the imported graph IR, inputs and params; with {@code --after PASS} the IR
 * after a graph or TIR pass of the compilation; with {@code --lowered GROUP} the lowered TIR of a fused
 * group's function; with {@code --source} the code the target generates (LLVM IR, OpenCL C).
 */
@Command(name = "ir", description = "Import a model (e.g. MODEL.onnx) and print its IR: imported graph (default), "
    + "the IR after a pass (--after), a group's lowered TIR (--lowered) or the generated code (--source).")
final class IrCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "MODEL", description = "The model file.")
  Path model;

  @Mixin ModelOptions options;

  @Option(names = "--target", defaultValue = "llvm", description = "Target to compile for (default: ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--opt-level", defaultValue = "2", description = "Graph optimization level 0-3 (default: ${DEFAULT-VALUE}).")
  int optLevel;

  @Option(names = "--after", paramLabel = "PASS", description = "Print the IR after this pass, e.g. graph.fuse-ops or tir.simplify.")
  String after;

  @Option(names = "--lowered", paramLabel = "GROUP", description = "Print the lowered TIR of this fused function (or 'all').")
  String lowered;

  @Option(names = "--source", description = "Print the generated code of the compiled module.")
  boolean source;

  @Override
  public Integer call() {
    PrintWriter w = spec.commandLine().getOut();
    try (ImportedModel m = ModelOptions.load(model, options.shapes())) {
      if (after == null && lowered == null && !source) {
        printImported(w, m);
      } else {
        compileAndPrint(w, m);
      }
    }
    w.flush();
    return 0;
  }

  private static void printImported(PrintWriter w, ImportedModel m) {
    w.println(m.graph().ir());
    for (String in : m.dataInputs()) {
      w.printf("input  %s: %s %s%n", in, m.inputTypes().get(in), m.inputShapes().containsKey(in) ? m.inputShapes().get(in) : "(symbolic)");
    }
    m.params().forEach((k, v) -> w.printf("param  %s: %s %s%n", k, v.dtype(), v.shape()));
    w.println("output " + String.join(", ", m.outputNames()));
  }

  private void compileAndPrint(PrintWriter w, ImportedModel m) {
    if (after != null && !PassRegistry.global().names().contains(after)) {
      throw CompileException.invalid("unknown pass '%s'; registered passes: %s", after, PassRegistry.global().names());
    }
    List<Pass<PrimFunc>> tir = TirPipeline.build().passes();
    String lastTirPass = tir.get(tir.size() - 1).info().name();
    List<String> captured = new ArrayList<>();
    List<String> groups = new ArrayList<>();
    PassInstrument capture = new PassInstrument() {
      @Override
      public void after(PassInfo info, Object ir, Duration elapsed) {
        if (info.name().equals(after)) captured.add("// IR after " + info.name() + "\n" + ir);
        if (lowered != null && info.name().equals(lastTirPass) && ir instanceof PrimFunc f) {
          groups.add(f.name());
          if (lowered.equals("all") || lowered.equals(f.name())) captured.add(f.toString());
        }
      }
    };
    PassContext ctx = PassContext.builder().optLevel(optLevel).instrument(capture).build();
    try (CompiledGraph cg = ModelCompiler.compile(m, target, ctx, options.shapes())) {
      if (after != null && captured.isEmpty()) {
        throw CompileException.invalid("pass %s did not run at opt level %d for target %s", after, optLevel, target);
      }
      if (lowered != null && captured.isEmpty()) {
        throw CompileException.invalid("no fused function '%s'; the functions are %s", lowered, groups);
      }
      captured.forEach(w::println);
      if (source) {
        List<String> formats = cg.module().sourceFormats();
        if (formats.isEmpty()) throw CompileException.invalid("target %s produces no source text", target);
        w.println("// " + target + " module source (" + formats.get(0) + ")");
        w.println(cg.module().source(formats.get(0)));
      }
    }
  }
}
