package org.nnvm4j.backend;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apiguardian.api.API;
import org.nnvm4j.pass.diag.CompileException;

/**
 * A compilation target: a kind ({@code llvm}, {@code cuda}, {@code opencl}, {@code arm}, ...) and
 * attributes. Parsed from TVM's string form: {@code "llvm -mcpu=skylake-avx512 -mattr=+avx512f"},
 * {@code "cuda -arch=sm_90"}, {@code "opencl"}. A flag without a value ({@code -fast-math}) is
 * {@code true}. Attribute values are strings until {@link TargetKind#validate} types them.
 */
@API(status = API.Status.STABLE, since = "0.1")
public record Target(String kind, Map<String, Object> attrs) {
  public Target {
    Objects.requireNonNull(kind, "kind");
    if (!kind.matches("[a-z][a-z0-9_]*")) throw CompileException.invalid("bad target kind '%s'", kind);
    attrs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
  }

  public static Target of(String kind) { return new Target(kind, Map.of()); }

  /**
   * Parses {@code "kind -key=value -flag ..."}.
   *
   * @throws CompileException naming the bad token
   */
  public static Target parse(String text) {
    String[] parts = text.trim().split("\\s+");
    if (parts.length == 0 || parts[0].isEmpty()) throw CompileException.invalid("empty target string");
    Map<String, Object> attrs = new LinkedHashMap<>();
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i];
      if (!p.startsWith("-") || p.length() < 2) {
        throw CompileException.invalid("target '%s': option '%s' does not start with '-'", text, p);
      }
      String body = p.replaceFirst("^--?", "");
      int eq = body.indexOf('=');
      String key = eq < 0 ? body : body.substring(0, eq);
      if (key.isEmpty()) throw CompileException.invalid("target '%s': option '%s' has no name", text, p);
      if (attrs.put(key, eq < 0 ? Boolean.TRUE : body.substring(eq + 1)) != null) {
        throw CompileException.invalid("target '%s': option -%s given twice", text, key);
      }
    }
    return new Target(parts[0], attrs);
  }

  /** The attribute {@code key} as a string, or {@code fallback}. */
  public String attr(String key, String fallback) {
    Object v = attrs.get(key);
    return v == null ? fallback : v.toString();
  }

  public Target withAttr(String key, Object value) {
    Map<String, Object> m = new LinkedHashMap<>(attrs);
    m.put(key, value);
    return new Target(kind, m);
  }

  /** The string form that {@link #parse} reads back. */
  @Override
  public String toString() {
    if (attrs.isEmpty()) return kind;
    return kind + " " + attrs.entrySet().stream()
        .map(e -> Boolean.TRUE.equals(e.getValue()) ? "-" + e.getKey() : "-" + e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(" "));
  }
}
