package org.nnvm4j.backend;

import java.nio.file.Path;
import java.util.List;
import org.apiguardian.api.API;

/**
 * Compiled code for one target: named functions, their source in the backend's formats, and export.
 * Holds native state; {@link #close()} is idempotent and throws nothing.
 */
@API(status = API.Status.STABLE, since = "0.1")
public interface Module extends AutoCloseable {
  Target target();

  List<String> functionNames();

  /**
   * The function {@code name}.
   *
   * @throws org.nnvm4j.pass.diag.CompileException listing the functions when there is none
   */
  ModuleFunction function(String name);

  /** The formats {@link #source} supports, e.g. {@code ["ll", "asm"]} or {@code ["cl"]}. */
  List<String> sourceFormats();

  /** The generated code as text in {@code format}. */
  String source(String format);

  /**
   * Writes this module to {@code dir} so that {@link Backend#loadModule} can load it later, in
   * another process, without the compiler (e.g. a shared library plus a manifest).
   */
  void export(Path dir);

  @Override void close();
}
