package org.nnvm4j.backend.llvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.backend.FunctionSignature;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;

/**
 * {@code module.txt} beside an exported {@code libmodule.so}: the target and one line per function
 * ({@code fn <signature>} then {@code assert <message>} lines for its assertions).
 */
record ModuleManifest(String target, Map<FunctionSignature, List<String>> functions) {
  static final String FILE = "module.txt";
  static final String LIBRARY = "libmodule.so";

  void write(Path dir) throws IOException {
    StringBuilder b = new StringBuilder("nnvm4j-module 1\ntarget ").append(target).append('\n');
    for (Map.Entry<FunctionSignature, List<String>> e : functions.entrySet()) {
      b.append("fn ").append(e.getKey().toText()).append('\n');
      for (String m : e.getValue()) b.append("assert ").append(m.replace('\n', ' ')).append('\n');
    }
    Files.writeString(dir.resolve(FILE), b.toString());
  }

  static ModuleManifest read(Path dir) {
    Path file = dir.resolve(FILE);
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "cannot read module manifest: " + e, e);
    }
    if (lines.isEmpty() || !lines.get(0).equals("nnvm4j-module 1") || lines.size() < 2 || !lines.get(1).startsWith("target ")) {
      throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "not an nnvm4j module manifest");
    }
    Map<FunctionSignature, List<String>> fns = new LinkedHashMap<>();
    List<String> current = null;
    for (String line : lines.subList(2, lines.size())) {
      if (line.startsWith("fn ")) {
        current = new ArrayList<>();
        fns.put(FunctionSignature.parse(line.substring(3)), current);
      } else if (line.startsWith("assert ") && current != null) {
        current.add(line.substring(7));
      } else if (!line.isBlank()) {
        throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "bad manifest line '" + line + "'");
      }
    }
    return new ModuleManifest(lines.get(1).substring(7), fns);
  }
}
