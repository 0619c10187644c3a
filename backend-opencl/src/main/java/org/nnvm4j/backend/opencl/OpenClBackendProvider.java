package org.nnvm4j.backend.opencl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendProvider;
import org.nnvm4j.backend.NativeProbe;
import org.nnvm4j.backend.Target;
import org.nnvm4j.backend.TargetKind;

/**
 * Provides the {@code opencl} target kind. {@link #availability()} loads no native code: it can
 * compile when JOCL is on the class path and run when the ICD loader {@code libOpenCL.so.1} is
 * installed and an OpenCL ICD is registered in {@code /etc/OpenCL/vendors}; devices are opened in
 * {@link #create}'s runtime.
 */
public final class OpenClBackendProvider implements BackendProvider {
  static final Path VENDORS = Path.of("/etc/OpenCL/vendors");

  private static final TargetKind KIND;

  static {
    Map<String, TargetKind.Attr> attrs = new LinkedHashMap<>();
    attrs.put("max_num_threads", new TargetKind.Attr(Integer.class, 256, "threads per block (work-group size)"));
    KIND = new TargetKind("opencl", attrs, List.of("opencl", "gpu"), "opencl");
  }

  @Override public String kind() { return "opencl"; }

  @Override public TargetKind targetKind() { return KIND; }

  @Override
  public Availability availability() {
    if (OpenClBackendProvider.class.getClassLoader().getResource("org/jocl/CL.class") == null) {
      return Availability.none("org.jocl:jocl:2.0.5 is not on the class path");
    }
    if (NativeProbe.findLibrary("libOpenCL.so.1") == null) {
      return Availability.compileOnly("no OpenCL ICD loader libOpenCL.so.1; install one, e.g. apt-get install"
          + " ocl-icd-libopencl1 pocl-opencl-icd");
    }
    if (!icdInstalled()) {
      return Availability.compileOnly("no OpenCL ICD in " + VENDORS + "; install one, e.g. apt-get install pocl-opencl-icd"
          + " ocl-icd-libopencl1");
    }
    return Availability.ready();
  }

  static boolean icdInstalled() {
    if (!Files.isDirectory(VENDORS)) return false;
    try (Stream<Path> s = Files.list(VENDORS)) {
      return s.anyMatch(p -> p.toString().endsWith(".icd"));
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public Backend create(Target target) { return new OpenClBackend(target, availability().canRun()); }
}
