package org.nnvm4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.Target;
import org.nnvm4j.graph.deploy.DeployGraph;
import org.nnvm4j.graph.format.ParamsBlob;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.NDArray;

/**
 * The result of {@link Compiler#build}: the deploy graph (NNVM JSON), the compiled module, and the
 * parameters the graph reads. {@link #save} writes all three to a folder (TVM's deploy files) and
 * {@link #load} reads them back without the compiler. Closing it closes the module and the parameter arrays.
 */
public record CompiledGraph(String deployGraphJson, Module module, Map<String, NDArray> params) implements AutoCloseable {
  /** The deploy graph's file in a saved folder. */
  public static final String GRAPH_FILE = "deploy_graph.json";
  /** The params blob's file in a saved folder. */
  public static final String PARAMS_FILE = "deploy_param.params";
  /** The target's file in a saved folder: the text of the module's {@link Target}. */
  public static final String TARGET_FILE = "deploy_target.txt";

  public CompiledGraph { params = Map.copyOf(params); }

  public DeployGraph deployGraph() { return DeployGraph.parse(deployGraphJson); }

  /** Writes the deploy graph JSON, the params blob, the target, and the module ({@link Module#export}) to {@code dir}. */
  public void save(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(GRAPH_FILE), deployGraphJson);
      Files.write(dir.resolve(PARAMS_FILE), ParamsBlob.save(params));
      Files.writeString(dir.resolve(TARGET_FILE), module.target().toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the compiled graph to " + dir, e);
    }
    module.export(dir);
  }

  /**
   * Reads a folder {@link #save} wrote; the module is loaded by the backend of the saved target.
   *
   * @throws CompileException naming the missing or malformed file
   */
  public static CompiledGraph load(Path dir) {
    String json = read(dir, GRAPH_FILE);
    DeployGraph.parse(json);
    Target target = Target.parse(read(dir, TARGET_FILE).strip());
    Map<String, NDArray> params;
    try {
      params = ParamsBlob.load(Files.readAllBytes(dir.resolve(PARAMS_FILE)));
    } catch (NoSuchFileException e) {
      throw missing(dir, PARAMS_FILE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (Backend backend = BackendRegistry.defaultRegistry().create(target)) {
      return new CompiledGraph(json, backend.loadModule(dir), params);
    } catch (RuntimeException e) {
      params.values().forEach(NDArray::close);
      throw e;
    }
  }

  private static String read(Path dir, String file) {
    try {
      return Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw missing(dir, file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static CompileException missing(Path dir, String file) {
    return new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(dir.resolve(file).toString()), "a saved compiled graph needs " + file);
  }

  @Override
  public void close() {
    module.close();
    params.values().forEach(NDArray::close);
  }
}
