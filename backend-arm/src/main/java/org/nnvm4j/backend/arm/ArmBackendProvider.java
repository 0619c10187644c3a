package org.nnvm4j.backend.arm;

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
 * Registers the {@code arm} target kind. Its code generator is not part of this version, so it
 * reports that it can neither compile nor run, and says what it would run on.
 */
public final class ArmBackendProvider implements BackendProvider {
  static final String NOT_BUILT = "ARM code generation is not implemented in this version of nnvm4j";

  private static final TargetKind KIND = new TargetKind("arm", Map.of(
      "mtriple", new TargetKind.Attr(String.class, "aarch64-unknown-linux-gnu", "aarch64-... or armv7a-...-gnueabihf"),
      "mcpu", new TargetKind.Attr(String.class, "cortex-a72", "LLVM CPU name")), List.of("arm", "cpu"), "cpu");

  @Override public String kind() { return "arm"; }

  @Override public TargetKind targetKind() { return KIND; }

  @Override
  public Availability availability() {
    String qemu = NativeProbe.onPath("qemu-aarch64") ? "qemu-aarch64 is installed" : "qemu-aarch64 is not installed";
    return Availability.none(NOT_BUILT + " (" + qemu + ")");
  }

  @Override
  public Backend create(Target target) { throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, NOT_BUILT); }
}
