package org.nnvm4j.backend.cuda;

import java.util.List;
import java.util.Map;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendProvider;
import org.nnvm4j.backend.NativeProbe;
import org.nnvm4j.backend.Target;
import org.nnvm4j.backend.TargetKind;
import org.nnvm4j.pass.diag.BackendUnavailableException;
import org.nnvm4j.pass.diag.ErrorCode;

/**
 * Registers the {@code cuda} target kind. Its PTX code generator is not part of this version, so it
 * reports that it can neither compile nor run, and whether a CUDA driver is present.
 */
public final class CudaBackendProvider implements BackendProvider {
  static final String NOT_BUILT = "PTX code generation is not implemented in this version of nnvm4j";

  private static final TargetKind KIND = new TargetKind("cuda", Map.of(
      "arch", new TargetKind.Attr(String.class, "sm_80", "GPU architecture, e.g. sm_90")), List.of("cuda", "gpu"), "cuda");

  @Override public String kind() { return "cuda"; }

  @Override public TargetKind targetKind() { return KIND; }

  @Override
  public Availability availability() {
    String driver = NativeProbe.findLibrary("libcuda.so.1") != null ? "libcuda.so.1 found" : "libcuda.so.1 not found";
    return Availability.none(NOT_BUILT + " (" + driver + ")");
  }

  @Override
  public Backend create(Target target) { throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, NOT_BUILT); }
}
