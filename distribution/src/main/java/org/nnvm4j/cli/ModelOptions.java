package org.nnvm4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.frontend.Frontends;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;
import picocli.CommandLine.Option;

/** The options shared by the commands that import a model: {@code --shape name=1,3,224,224}. */
final class ModelOptions {
  @Option(names = "--shape", paramLabel = "NAME=D1,D2,...", description = "Input shape, replacing the declared one (repeatable).")
  List<String> shapes = List.of();

  /** The parsed {@code --shape} options. */
  Map<String, Shape> shapes() {
    Map<String, Shape> out = new LinkedHashMap<>();
    for (String s : shapes) {
      int eq = s.indexOf('=');
      if (eq <= 0) throw CompileException.invalid("--shape '%s' is not NAME=D1,D2,...", s);
      String[] parts = s.substring(eq + 1).split(",");
      long[] dims = new long[parts.length];
      try {
        for (int i = 0; i < dims.length; i++) dims[i] = Long.parseLong(parts[i].trim());
      } catch (NumberFormatException e) {
        throw CompileException.invalid("--shape '%s' has a dimension that is not a number", s);
      }
      out.put(s.substring(0, eq), s.substring(eq + 1).isBlank() ? Shape.scalar() : Shape.of(dims));
    }
    return out;
  }

  /** Imports {@code model} with the frontend that accepts it. */
  static ImportedModel load(Path model, Map<String, Shape> shapes) { return Frontends.discover().load(model, shapes); }
}
