package org.nnvm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nnvm4j models -o DIR}: writes the benchmark models of {@link ModelZoo} as ONNX files. */
@Command(name = "models", description = "Write the benchmark models (mlp, resnet, mobilenet, transformer, resnet18, mobilenet_v1; random weights, fixed seed) as ONNX files.")
final class ModelsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Folder to write NAME.onnx into.")
  Path out;

  @Override
  public Integer call() throws Exception {
    PrintWriter w = spec.commandLine().getOut();
    for (Path f : ModelZoo.writeAll(out)) w.println(f);
    w.flush();
    return 0;
  }
}
