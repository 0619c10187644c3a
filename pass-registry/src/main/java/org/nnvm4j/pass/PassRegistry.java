package org.nnvm4j.pass;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;

/**
 * Passes by name. The {@linkplain #global() global} registry holds every pass contributed by a
 * {@link PassProvider} on the classpath plus those registered at run time; {@link #pipeline} turns
 * a textual pipeline such as {@code tir(flatten-storage,simplify),graph.fuse-ops} into a
 * {@link Sequential}.
 */
public final class PassRegistry {
  private static final System.Logger LOG = System.getLogger(PassRegistry.class.getName());

  private final Map<String, Pass<?>> passes = new TreeMap<>();

  private static final class Holder {
    static final PassRegistry GLOBAL = discover(PassRegistry.class.getClassLoader());
  }

  /** An empty registry. */
  public PassRegistry() {}

  /** The process-wide registry, filled from the {@link PassProvider}s found on the classpath. */
  public static PassRegistry global() { return Holder.GLOBAL; }

  /** A registry filled from the {@link PassProvider}s visible to {@code loader}. */
  public static PassRegistry discover(ClassLoader loader) {
    PassRegistry r = new PassRegistry();
    Iterator<PassProvider> it = ServiceLoader.load(PassProvider.class, loader).iterator();
    while (true) {
      PassProvider provider;
      try {
        if (!it.hasNext()) break;
        provider = it.next();
      } catch (ServiceConfigurationError e) {
        LOG.log(Level.WARNING, "Skipping a pass provider that failed to load: " + e.getMessage(), e);
        continue;
      }
      for (Pass<?> p : provider.passes()) r.register(p);
    }
    LOG.log(Level.DEBUG, () -> "Registered passes: " + r.names());
    return r;
  }

  /**
   * Adds {@code pass}.
   *
   * @throws IllegalArgumentException when a different pass with the same name is registered
   */
  public synchronized void register(Pass<?> pass) {
    Pass<?> old = passes.putIfAbsent(pass.info().name(), pass);
    if (old != null && old != pass) {
      throw new IllegalArgumentException("pass '" + pass.info().name() + "' is registered twice: "
          + old.getClass().getName() + " and " + pass.getClass().getName());
    }
  }

  public synchronized List<String> names() { return new ArrayList<>(passes.keySet()); }

  /**
   * The pass named {@code name} for IR type {@code irType}.
   *
   * @throws CompileException naming the known passes when there is no such pass or it takes another IR
   */
  @SuppressWarnings("unchecked")
  public synchronized <IR> Pass<IR> get(String name, Class<IR> irType) {
    Pass<?> p = passes.get(name);
    if (p == null) {
      throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.NONE,
          "Unknown pass '" + name + "'; registered passes: " + names());
    }
    if (!p.irType().equals(irType)) {
      throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.NONE, "Pass '" + name + "' transforms "
          + p.irType().getSimpleName() + ", not " + irType.getSimpleName());
    }
    return (Pass<IR>) p;
  }

  /**
   * Parses a textual pipeline: pass names separated by commas, where {@code layer(a,b)} stands for
   * {@code layer.a,layer.b}. Example: {@code tir(flatten-storage,simplify)}.
   */
  public <IR> Sequential<IR> pipeline(String text, Class<IR> irType) {
    List<Pass<IR>> out = new ArrayList<>();
    String rest = text.replaceAll("\\s+", "");
    while (!rest.isEmpty()) {
      int paren = rest.indexOf('(');
      int comma = rest.indexOf(',');
      if (paren >= 0 && (comma < 0 || paren < comma)) {
        int close = rest.indexOf(')', paren);
        if (close < 0) throw CompileException.invalid("unbalanced '(' in pipeline '%s'", text);
        String layer = rest.substring(0, paren);
        for (String n : rest.substring(paren + 1, close).split(",")) {
          if (!n.isEmpty()) out.add(get(layer + "." + n, irType));
        }
        rest = rest.substring(close + 1);
      } else {
        String name = comma < 0 ? rest : rest.substring(0, comma);
        out.add(get(name, irType));
        rest = comma < 0 ? "" : rest.substring(comma);
      }
      if (rest.startsWith(",")) rest = rest.substring(1);
    }
    return Sequential.of("pipeline.custom", irType, out, this);
  }
}
