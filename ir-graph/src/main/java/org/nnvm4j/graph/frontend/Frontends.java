package org.nnvm4j.graph.frontend;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;

/** The {@link Frontend}s on the class path, by format; picks the one that accepts a file. */
public final class Frontends {
  private static final System.Logger LOG = System.getLogger(Frontends.class.getName());

  private final Map<String, Frontend> byFormat;

  private Frontends(Map<String, Frontend> byFormat) { this.byFormat = byFormat; }

  /** Discovers the frontends with {@link ServiceLoader}; two with one format is an error naming both. */
  public static Frontends discover() {
    Map<String, Frontend> found = new LinkedHashMap<>();
    Iterator<Frontend> it = ServiceLoader.load(Frontend.class, Frontends.class.getClassLoader()).iterator();
    while (true) {
      Frontend f;
      try {
        if (!it.hasNext()) break;
        f = it.next();
      } catch (ServiceConfigurationError e) {
        LOG.log(Level.WARNING, "Skipping a frontend that failed to load: " + e.getMessage(), e);
        continue;
      }
      Frontend old = found.putIfAbsent(f.format(), f);
      if (old != null) {
        throw new IllegalStateException("two frontends for format '" + f.format() + "': " + old.getClass().getName()
            + " and " + f.getClass().getName());
      }
    }
    LOG.log(Level.DEBUG, "Discovered frontends: " + found.keySet());
    return new Frontends(found);
  }

  public List<String> formats() { return List.copyOf(byFormat.keySet()); }

  /**
   * Imports {@code file} with the first frontend that accepts it.
   *
   * @throws CompileException when none does, naming the formats discovered
   */
  public ImportedModel load(Path file) { return load(file, Map.of()); }

  /** Like {@link #load(Path)}, with input shapes that replace the declared ones. */
  public ImportedModel load(Path file, Map<String, org.nnvm4j.tensor.Shape> inputShapes) {
    List<String> formats = new ArrayList<>();
    for (Frontend f : byFormat.values()) {
      if (f.accepts(file)) return f.load(file, inputShapes);
      formats.add(f.format());
    }
    throw new CompileException(ErrorCode.UNSUPPORTED, Span.file(file.toString()),
        "no frontend accepts this file; discovered formats: " + formats);
  }
}
