package org.nnvm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * Compiles an imported model and writes the compiled folder: what {@link CompiledGraph#save} writes
 * (deploy graph, params blob, target, exported module) plus {@code manifest.json}, the model's input
 * and output names.
 */
final class ModelCompiler {
  static final String MANIFEST = "manifest.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** What {@code manifest.json} records. */
  record Manifest(List<String> inputs, List<String> outputs) {}

  private ModelCompiler() {}

  /** Compiles {@code m}; every data input needs a known shape (declared, or from {@code shapes}). */
  static CompiledGraph compile(ImportedModel m, String target, int optLevel, Map<String, Shape> shapes) {
    return compile(m, target, PassContext.builder().optLevel(optLevel).build(), shapes);
  }

  /** Compiles {@code m} under {@code ctx} (its opt level, instruments and pass selection). */
  static CompiledGraph compile(ImportedModel m, String target, PassContext ctx, Map<String, Shape> shapes) {
    Map<String, Shape> all = new LinkedHashMap<>(m.inputShapes());
    shapes.forEach((k, v) -> { if (m.inputTypes().containsKey(k)) all.put(k, v); });
    List<String> missing = m.dataInputs().stream().filter(n -> !all.containsKey(n)).toList();
    if (!missing.isEmpty()) throw CompileException.invalid("inputs %s have symbolic dimensions; give them with --shape NAME=D1,D2,...", missing);
    Map<String, NDArray> params = new LinkedHashMap<>();
    m.params().forEach((k, v) -> params.put(k, NDArray.allocate(v.dtype(), v.shape()).copyFrom(v)));
    return Compiler.build(m.graph(), target, all, m.inputTypes(), DType.F32, params, ctx);
  }

  /** Writes {@code cg} to {@code dir} ({@link CompiledGraph#save}) with a manifest of the model's input and output names. */
  static void save(CompiledGraph cg, ImportedModel m, Path dir) throws IOException {
    cg.save(dir);
    JSON.writeValue(dir.resolve(MANIFEST).toFile(), new Manifest(m.dataInputs(), m.outputNames()));
  }

  static Manifest manifest(Path dir) throws IOException {
    if (!Files.isRegularFile(dir.resolve(MANIFEST))) throw CompileException.invalid("%s is not a folder written by 'nnvm4j compile' (no %s)", dir, MANIFEST);
    return JSON.readValue(dir.resolve(MANIFEST).toFile(), Manifest.class);
  }
}
