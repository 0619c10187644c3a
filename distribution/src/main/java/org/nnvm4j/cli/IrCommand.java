package org.nnvm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nnvm4j.graph.frontend.ImportedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nnvm4j ir MODEL}: imports a model and prints its graph IR, inputs and parameters. */
@Command(name = "ir", description = "Import a model (e.g. MODEL.onnx) and print its graph IR, inputs and params.")
final class IrCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "MODEL", description = "The model file.")
  Path model;

  @Mixin ModelOptions options;

  @Override
  public Integer call() {
    PrintWriter w = spec.commandLine().getOut();
    try (ImportedModel m = ModelOptions.load(model, options.shapes())) {
      w.println(m.graph().ir());
      for (String in : m.dataInputs()) {
        w.printf("input  %s: %s %s%n", in, m.inputTypes().get(in), m.inputShapes().containsKey(in) ? m.inputShapes().get(in) : "(symbolic)");
      }
      m.params().forEach((k, v) -> w.printf("param  %s: %s %s%n", k, v.dtype(), v.shape()));
      w.println("output " + String.join(", ", m.outputNames()));
    }
    w.flush();
    return 0;
  }
}
