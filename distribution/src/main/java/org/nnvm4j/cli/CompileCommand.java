package org.nnvm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.pass.PassContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nnvm4j compile MODEL -o DIR}: imports a model, compiles it for a target and writes the deployable folder. */
@Command(name = "compile", description = "Compile a model (e.g. MODEL.onnx) for a target into a folder: deploy graph, module, params.")
final class CompileCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "MODEL", description = "The model file.")
  Path model;

  @Option(names = "--target", defaultValue = "llvm", description = "Target (default: ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--opt-level", defaultValue = "2", description = "Optimization level 0-3 (default: ${DEFAULT-VALUE}).")
  int optLevel;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Folder to write.")
  Path out;

  @Option(names = {"-q", "--quiet"}, description = "Do not print the compile's progress (graph passes, each fused function) to stderr.")
  boolean quiet;

  @Mixin ModelOptions options;

  @Override
  public Integer call() throws Exception {
    PrintWriter w = spec.commandLine().getOut();
    PassContext.Builder ctx = PassContext.builder().optLevel(optLevel);
    CompileProgress progress = new CompileProgress(spec.commandLine().getErr());
    if (!quiet) ctx.instrument(progress);
    try (ImportedModel m = ModelOptions.load(model, options.shapes());
         CompiledGraph cg = ModelCompiler.compile(m, target, ctx.build(), options.shapes())) {
      if (!quiet) progress.line("generated code for " + progress.functions() + " functions; writing " + out);
      ModelCompiler.save(cg, m, out);
      w.printf("compiled %s for %s: %d nodes, %d params, inputs %s, outputs %s -> %s%n", model, target, m.graph().nodes().size(),
          m.params().size(), m.dataInputs(), m.outputNames(), out);
    }
    w.flush();
    return 0;
  }
}
