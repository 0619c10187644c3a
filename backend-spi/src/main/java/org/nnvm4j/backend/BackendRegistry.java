package org.nnvm4j.backend;

import java.lang.System.Logger.Level;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.apiguardian.api.API;
import org.nnvm4j.pass.diag.BackendUnavailableException;
import org.nnvm4j.pass.diag.ErrorCode;

/**
 * The backends found on the class path through {@link ServiceLoader}. A provider that fails to load
 * is logged with its error and skipped (never swallowed silently); one built against another
 * {@link BackendProvider#SPI_VERSION} is logged and skipped; two providers of one kind are an error
 * that names both classes.
 */
@API(status = API.Status.STABLE, since = "0.1")
public final class BackendRegistry {
  private static final System.Logger LOG = System.getLogger(BackendRegistry.class.getName());

  /** A discovered provider and where it came from. */
  public record Entry(BackendProvider provider, String source) {
    public String kind() { return provider.kind(); }
  }

  private final Map<String, Entry> entries;
  private final List<String> skipped;

  private BackendRegistry(Map<String, Entry> entries, List<String> skipped) {
    this.entries = Collections.unmodifiableMap(entries);
    this.skipped = List.copyOf(skipped);
  }

  private static final class Holder {
    static final BackendRegistry DEFAULT = discover(BackendRegistry.class.getClassLoader());
  }

  /** The registry of the class path that loaded nnvm4j, discovered once. */
  public static BackendRegistry defaultRegistry() { return Holder.DEFAULT; }

  /**
   * Discovers the providers visible to {@code loader}.
   *
   * @throws BackendUnavailableException with {@link ErrorCode#BACKEND_CONFLICT} when two providers claim one kind
   */
  public static BackendRegistry discover(ClassLoader loader) {
    Map<String, Entry> found = new LinkedHashMap<>();
    List<String> skipped = new ArrayList<>();
    Iterator<BackendProvider> it = ServiceLoader.load(BackendProvider.class, loader).iterator();
    while (true) {
      BackendProvider p;
      try {
        if (!it.hasNext()) break;
        p = it.next();
      } catch (ServiceConfigurationError e) {
        LOG.log(Level.WARNING, "Skipping a backend provider that failed to load: " + e.getMessage(), e);
        skipped.add(e.getMessage());
        continue;
      }
      if (p.spiVersion() != BackendProvider.SPI_VERSION) {
        String why = p.getClass().getName() + " implements backend SPI version " + p.spiVersion() + ", but this nnvm4j has "
            + BackendProvider.SPI_VERSION;
        LOG.log(Level.WARNING, "Skipping backend provider: " + why);
        skipped.add(why);
        continue;
      }
      Entry old = found.get(p.kind());
      if (old != null) {
        throw new BackendUnavailableException(ErrorCode.BACKEND_CONFLICT, "Two backend providers claim target kind '"
            + p.kind() + "': " + old.provider().getClass().getName() + " (" + old.source() + ") and "
            + p.getClass().getName() + " (" + sourceOf(p.getClass()) + ")");
      }
      found.put(p.kind(), new Entry(p, sourceOf(p.getClass())));
    }
    BackendRegistry r = new BackendRegistry(found, skipped);
    LOG.log(Level.DEBUG, () -> "Discovered backends: " + r.describe());
    return r;
  }

  /** The discovered providers, in discovery order. */
  public List<Entry> entries() { return List.copyOf(entries.values()); }

  public List<String> kinds() { return List.copyOf(entries.keySet()); }

  /** Why providers were skipped (failed to load, other SPI version). */
  public List<String> skipped() { return skipped; }

  /**
   * The provider of {@code kind}.
   *
   * @throws BackendUnavailableException with {@link ErrorCode#NO_BACKEND} listing the discovered kinds
   */
  public BackendProvider provider(String kind) {
    Entry e = entries.get(kind);
    if (e == null) {
      throw new BackendUnavailableException(ErrorCode.NO_BACKEND, "No backend for target kind '" + kind
          + "'; discovered: " + kinds());
    }
    return e.provider();
  }

  /**
   * Creates the backend for {@code target} after validating its attributes.
   *
   * @throws BackendUnavailableException when there is no such kind or it cannot compile here (with the reason)
   */
  public Backend create(Target target) {
    BackendProvider p = provider(target.kind());
    Target valid = p.targetKind().validate(target);
    Availability a = p.availability();
    if (!a.canCompile()) {
      throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, "Backend '" + target.kind()
          + "' cannot compile here: " + a.reason());
    }
    return p.create(valid);
  }

  /** One line per backend: {@code llvm (nnvm4j-backend-llvm-cpu-0.1.jar, run=true)}. */
  public String describe() {
    return entries.values().stream().map(e -> {
      Availability a = e.provider().availability();
      return e.kind() + " (" + e.source() + ", compile=" + a.canCompile() + ", run=" + a.canRun()
          + (a.reason().isEmpty() ? "" : ": " + a.reason()) + ")";
    }).collect(Collectors.joining(", ", "[", "]"));
  }

  /** The jar or class folder a class was loaded from. */
  static String sourceOf(Class<?> c) {
    CodeSource cs = c.getProtectionDomain().getCodeSource();
    if (cs == null || cs.getLocation() == null) return "unknown";
    try {
      Path p = Path.of(cs.getLocation().toURI());
      String name = p.getFileName().toString();
      if (name.equals("classes") || name.equals("test-classes")) {
        Path module = p.getParent() != null ? p.getParent().getParent() : null;
        return module != null ? module.getFileName() + "/" + p.getParent().getFileName() + "/" + name : name;
      }
      return name;
    } catch (URISyntaxException | IllegalArgumentException e) {
      return cs.getLocation().toString();
    }
  }
}
