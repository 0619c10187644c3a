package org.nnvm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nnvm4j run DIR|MODEL --input name=file.npy ...}: runs a compiled folder (from {@code compile})
 * or compiles a model for the input shapes given, and writes each output as {@code output_<k>.npy}.
 */
@Command(name = "run", description = "Run a compiled folder or a model on .npy inputs and write the outputs as .npy files.")
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR|MODEL", description = "A folder written by 'compile', or a model file.")
  Path source;

  @Option(names = "--input", paramLabel = "NAME=FILE.npy", description = "An input value (repeatable).")
  List<String> inputs = List.of();

  @Option(names = "--target", defaultValue = "llvm", description = "Target when compiling a model (default: ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--output-dir", defaultValue = ".", paramLabel = "D", description = "Where to write output_<k>.npy (default: .).")
  Path outDir;

  @Override
  public Integer call() throws Exception {
    Map<String, NDArray> values = readInputs();
    try {
      if (Files.isDirectory(source)) runFolder(values);
      else runModel(values);
    } finally {
      values.values().forEach(NDArray::close);
    }
    return 0;
  }

  private Map<String, NDArray> readInputs() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (String s : inputs) {
      int eq = s.indexOf('=');
      if (eq <= 0) throw CompileException.invalid("--input '%s' is not NAME=FILE.npy", s);
      out.put(s.substring(0, eq), NpyFile.read(Path.of(s.substring(eq + 1))));
    }
    return out;
  }

  private void runModel(Map<String, NDArray> values) throws Exception {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    values.forEach((k, v) -> shapes.put(k, v.shape()));
    try (ImportedModel m = ModelOptions.load(source, shapes);
         CompiledGraph cg = ModelCompiler.compile(m, target, 2, shapes);
         GraphModule gm = GraphModule.create(cg, org.nnvm4j.backend.Device.cpu(0))) {
      execute(gm, values, m.dataInputs(), m.outputNames());
    }
  }

  private void runFolder(Map<String, NDArray> values) throws Exception {
    ModelCompiler.Manifest manifest = ModelCompiler.manifest(source);
    try (CompiledGraph cg = CompiledGraph.load(source);
         Backend backend = BackendRegistry.defaultRegistry().create(cg.module().target());
         GraphModule gm = GraphModule.create(cg, backend.runtime().devices().get(0))) {
      execute(gm, values, manifest.inputs(), manifest.outputs());
    }
  }

  private void execute(GraphModule gm, Map<String, NDArray> values, List<String> declared, List<String> outputs) throws Exception {
    for (String name : values.keySet()) {
      if (!declared.contains(name)) throw CompileException.invalid("the model has no input '%s'; its inputs are %s", name, declared);
    }
    List<String> missing = new ArrayList<>(gm.inputNames().stream().filter(declared::contains).toList());
    missing.removeAll(values.keySet());
    if (!missing.isEmpty()) throw CompileException.invalid("no --input for %s", missing);
    for (Map.Entry<String, NDArray> e : values.entrySet()) {
      if (gm.inputNames().contains(e.getKey())) gm.setInput(e.getKey(), e.getValue());
    }
    gm.run();
    Files.createDirectories(outDir);
    PrintWriter w = spec.commandLine().getOut();
    for (int k = 0; k < gm.getNumOutputs(); k++) {
      try (NDArray out = gm.getOutput(k)) {
        Path f = outDir.resolve("output_" + k + ".npy");
        NpyFile.write(f, out);
        w.printf("output %d (%s): %s -> %s%n", k, k < outputs.size() ? outputs.get(k) : "?", out, f);
      }
    }
    w.flush();
  }
}
