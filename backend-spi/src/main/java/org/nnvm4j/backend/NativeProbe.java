package org.nnvm4j.backend;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Cheap file-system probes that providers use in {@code availability()} (no native code is loaded), and
 * {@link #pinLibrary}, which backends call when they do load a system library.
 */
public final class NativeProbe {
  private NativeProbe() {}

  private static final List<String> LIB_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
      "/lib/x86_64-linux-gnu", "/usr/local/cuda/lib64", "/usr/local/nvidia/lib64");

  /** The first directory of the usual library directories holding {@code name}, or null. */
  public static Path findLibrary(String name) {
    for (String d : LIB_DIRS) {
      Path p = Path.of(d, name);
      if (Files.exists(p)) return p;
    }
    return null;
  }

  /**
   * Loads system library {@code name} (found as by {@link #findLibrary}) for the rest of the process, so
   * that no later {@code dlclose} unmaps it: libgomp's worker threads outlive the module that started
   * them and spin-wait in its code after a parallel loop, so unloading it with the last module that used
   * it crashes them. Returns false when the library is not installed.
   */
  public static synchronized boolean pinLibrary(String name) {
    if (PINNED.contains(name)) return true;
    Path p = findLibrary(name);
    if (p == null) return false;
    java.lang.foreign.SymbolLookup.libraryLookup(p, java.lang.foreign.Arena.global());
    PINNED.add(name);
    return true;
  }

  private static final java.util.Set<String> PINNED = new java.util.HashSet<>();

  /** Whether an executable {@code name} is on the PATH. */
  public static boolean onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String d : path.split(java.io.File.pathSeparator)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) return true;
    }
    return false;
  }
}
