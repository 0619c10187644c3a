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
 * Compiles an imported model and writes or reads the compiled folder: {@code deploy_graph.json},
 * the module as {@code Module.export} writes it, {@code params/} (one .npy per parameter, named in
 * {@code params.json}) and {@code manifest.json} (target, inputs, outputs).
 */
final class ModelCompiler {
  static final String GRAPH = "deploy_graph.json";
  static final String MANIFEST = "manifest.json";
  static final String PARAMS = "params.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** What {@code manifest.json} records. */
  record Manifest(String target, List<String> inputs, List<String> outputs) {}

  private ModelCompiler() {}

  /** Compiles {@code m}; every data input needs a known shape (declared, or from {@code shapes}). */
  static CompiledGraph compile(ImportedModel m, String target, int optLevel, Map<String, Shape> shapes) {
    Map<String, Shape> all = new LinkedHashMap<>(m.inputShapes());
    shapes.forEach((k, v) -> { if (m.inputTypes().containsKey(k)) all.put(k, v); });
    List<String> missing = m.dataInputs().stream().filter(n -> !all.containsKey(n)).toList();
    if (!missing.isEmpty()) throw CompileException.invalid("inputs %s have symbolic dimensions; give them with --shape NAME=D1,D2,...", missing);
    Map<String, NDArray> params = new LinkedHashMap<>();
    m.params().forEach((k, v) -> params.put(k, NDArray.allocate(v.dtype(), v.shape()).copyFrom(v)));
    return Compiler.build(m.graph(), target, all, m.inputTypes(), DType.F32, params, PassContext.builder().optLevel(optLevel).build());
  }

  /** Writes {@code cg} to {@code dir}. */
  static void save(CompiledGraph cg, String target, ImportedModel m, Path dir) throws IOException {
    Files.createDirectories(dir.resolve("params"));
    Files.writeString(dir.resolve(GRAPH), cg.deployGraphJson());
    cg.module().export(dir);
    Map<String, String> files = new LinkedHashMap<>();
    int i = 0;
    for (Map.Entry<String, NDArray> p : cg.params().entrySet()) {
      String f = "params/p" + i++ + ".npy";
      NpyFile.write(dir.resolve(f), p.getValue());
      files.put(p.getKey(), f);
    }
    JSON.writeValue(dir.resolve(PARAMS).toFile(), files);
    JSON.writeValue(dir.resolve(MANIFEST).toFile(), new Manifest(target, m.dataInputs(), m.outputNames()));
  }

  static Manifest manifest(Path dir) throws IOException { return JSON.readValue(dir.resolve(MANIFEST).toFile(), Manifest.class); }

  /** The params of a compiled folder; files must lie in its {@code params/} folder. */
  static Map<String, NDArray> params(Path dir) throws IOException {
    @SuppressWarnings("unchecked")
    Map<String, String> files = JSON.readValue(dir.resolve(PARAMS).toFile(), Map.class);
    Map<String, NDArray> out = new LinkedHashMap<>();
    Path base = dir.resolve("params").toRealPath();
    for (Map.Entry<String, String> e : files.entrySet()) {
      Path f = dir.resolve(e.getValue()).toRealPath();
      if (!f.startsWith(base)) throw CompileException.invalid("param file '%s' lies outside %s", e.getValue(), base);
      out.put(e.getKey(), NpyFile.read(f));
    }
    return out;
  }
}
