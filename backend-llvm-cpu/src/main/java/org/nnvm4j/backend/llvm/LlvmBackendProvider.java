package org.nnvm4j.backend.llvm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendProvider;
import org.nnvm4j.backend.Target;
import org.nnvm4j.backend.TargetKind;

/** Provides the {@code llvm} target kind: x86-64 host code through the bytedeco LLVM natives. */
public final class LlvmBackendProvider implements BackendProvider {
  private static final TargetKind KIND;

  static {
    Map<String, TargetKind.Attr> attrs = new LinkedHashMap<>();
    attrs.put("mcpu", new TargetKind.Attr(String.class, null, "LLVM CPU name, e.g. skylake-avx512; default: the host's"));
    attrs.put("mattr", new TargetKind.Attr(String.class, null, "LLVM features, e.g. +avx2,+fma; default: the host's"));
    attrs.put("mtriple", new TargetKind.Attr(String.class, null, "target triple; default: the host's"));
    attrs.put("fp-contract", new TargetKind.Attr(String.class, "off", "fast: fuse a*b+c into FMA (faster, rounds once); off: IEEE operation by operation"));
    attrs.put("num-threads", new TargetKind.Attr(Integer.class, 0, "threads of parallel loops; 0: libgomp's default (all cores or OMP_NUM_THREADS)"));
    KIND = new TargetKind("llvm", attrs, List.of("cpu"), "cpu");
  }

  @Override public String kind() { return "llvm"; }

  @Override public TargetKind targetKind() { return KIND; }

  @Override
  public Availability availability() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return Availability.none("the bundled LLVM natives are linux-x86_64 only; this is " + os + "/" + arch);
    }
    if (LlvmBackendProvider.class.getClassLoader().getResource("org/bytedeco/llvm/linux-x86_64/") == null) {
      return Availability.none("org.bytedeco:llvm:20.1.7-1.5.12:linux-x86_64 is not on the class path");
    }
    return Availability.ready();
  }

  @Override public Backend create(Target target) { return new LlvmBackend(target); }
}
