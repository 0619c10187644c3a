package org.nnvm4j.pass;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a pass is: its registered name ({@code <layer>.<kebab-name>}, e.g. {@code tir.unroll-loops}),
 * a one-line summary, the lowest opt level at which it runs by default, and the passes it requires.
 */
public record PassInfo(String name, String summary, int optLevel, List<String> requires) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*\\.[a-z][a-z0-9-]*");

  public PassInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(summary, "summary");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("pass name '" + name + "' is not of the form <layer>.<kebab-name>");
    }
    if (optLevel < 0) throw new IllegalArgumentException("optLevel must be >= 0, was " + optLevel);
    requires = List.copyOf(requires);
  }

  public PassInfo(String name, String summary, int optLevel) { this(name, summary, optLevel, List.of()); }

  /** The layer prefix of the name: {@code tir} for {@code tir.unroll-loops}. */
  public String layer() { return name.substring(0, name.indexOf('.')); }
}
