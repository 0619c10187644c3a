package org.nnvm4j.graph;

import java.lang.System.Logger.Level;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;

/** All registered ops by name: the built-in ones and those of every {@link OpProvider} on the class path. */
public final class OpRegistry {
  private static final System.Logger LOG = System.getLogger(OpRegistry.class.getName());
  private static final Map<String, Op> OPS = new TreeMap<>();

  static {
    Iterator<OpProvider> it = ServiceLoader.load(OpProvider.class, OpRegistry.class.getClassLoader()).iterator();
    while (true) {
      try {
        if (!it.hasNext()) break;
        for (Op op : it.next().ops()) register(op);
      } catch (ServiceConfigurationError e) {
        LOG.log(Level.WARNING, "Skipping an op provider that failed to load: " + e.getMessage(), e);
      }
    }
  }

  private OpRegistry() {}

  /**
   * Adds {@code op}.
   *
   * @throws IllegalArgumentException when another op has its name
   */
  public static synchronized void register(Op op) {
    Op old = OPS.putIfAbsent(op.name(), op);
    if (old != null && old != op) throw new IllegalArgumentException("op '" + op.name() + "' is registered twice");
  }

  /**
   * The op named {@code name}.
   *
   * @throws CompileException naming the op when it is unknown
   */
  public static synchronized Op get(String name) {
    Op op = OPS.get(name);
    if (op == null) throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(null, name), "unknown op '" + name + "'");
    return op;
  }

  public static synchronized boolean contains(String name) { return OPS.containsKey(name); }

  public static synchronized List<String> names() { return List.copyOf(OPS.keySet()); }
}
