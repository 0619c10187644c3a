package org.nnvm4j.graph.frontend;

import java.nio.file.Path;

/**
 * A model importer for one file format (ONNX, Keras, ...), found with {@link java.util.ServiceLoader}
 * through {@link Frontends}. Implementations are cheap to construct; {@link #load} does the work.
 */
public interface Frontend {
  /** The format's short name, e.g. {@code "onnx"}; unique among the discovered frontends. */
  String format();

  /** Whether {@code file} looks like this format (by name or a cheap look at its first bytes). */
  boolean accepts(Path file);

  /**
   * Imports {@code file}.
   *
   * @throws org.nnvm4j.pass.diag.CompileException naming the file and every problem when the model is
   *     malformed or uses something this frontend does not support
   */
  ImportedModel load(Path file);
}
