package org.nnvm4j.graph.frontend;

import java.nio.file.Path;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.Shape;

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

  /**
   * Imports {@code file} with {@code inputShapes} in place of the shapes the file declares (for
   * symbolic dimensions). Formats that cannot take shapes refuse a non-empty map.
   */
  default ImportedModel load(Path file, Map<String, Shape> inputShapes) {
    if (!inputShapes.isEmpty()) {
      throw new CompileException(ErrorCode.UNSUPPORTED, Span.file(file.toString()), "the " + format()
          + " frontend does not take input shapes");
    }
    return load(file);
  }
}
