package org.nnvm4j.frontend.onnx;

import java.nio.file.Path;
import java.util.Map;
import org.nnvm4j.graph.frontend.Frontend;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.tensor.Shape;

/** The ONNX {@link Frontend}: {@code .onnx} files, imported by {@link OnnxImporter}. */
public final class OnnxFrontend implements Frontend {
  @Override
  public String format() { return "onnx"; }

  @Override
  public boolean accepts(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    return name.endsWith(".onnx");
  }

  @Override
  public ImportedModel load(Path file) { return OnnxImporter.importModel(file, Map.of()); }

  @Override
  public ImportedModel load(Path file, Map<String, Shape> shapes) { return OnnxImporter.importModel(file, shapes); }
}
