package org.nnvm4j.backend.opencl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendProvider;
import org.nnvm4j.backend.Target;
import org.nnvm4j.backend.TargetKind;
import org.nnvm4j.pass.diag.BackendUnavailableException;
import org.nnvm4j.pass.diag.ErrorCode;

/**
 * Registers the {@code opencl} target kind. Its OpenCL C code generator is not part of this version,
 * so it reports that it can neither compile nor run, and whether an OpenCL ICD is installed.
 */
public final class OpenClBackendProvider implements BackendProvider {
  static final String NOT_BUILT = "OpenCL C code generation is not implemented in this version of nnvm4j";

  private static final TargetKind KIND = new TargetKind("opencl", Map.of(
      "device", new TargetKind.Attr(String.class, null, "device name, e.g. pthread; default: the first")),
      List.of("opencl", "gpu"), "opencl");

  @Override public String kind() { return "opencl"; }

  @Override public TargetKind targetKind() { return KIND; }

  @Override
  public Availability availability() {
    Path vendors = Path.of("/etc/OpenCL/vendors");
    boolean icd;
    try (var s = Files.isDirectory(vendors) ? Files.list(vendors) : java.util.stream.Stream.<Path>empty()) {
      icd = s.anyMatch(p -> p.toString().endsWith(".icd"));
    } catch (java.io.IOException e) {
      icd = false;
    }
    return Availability.none(NOT_BUILT + " (" + (icd ? "an OpenCL ICD is installed" : "no OpenCL ICD in /etc/OpenCL/vendors") + ")");
  }

  @Override
  public Backend create(Target target) { throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, NOT_BUILT); }
}
