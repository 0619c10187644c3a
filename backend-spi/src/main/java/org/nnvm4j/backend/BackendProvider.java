package org.nnvm4j.backend;

import org.apiguardian.api.API;

/**
 * Entry point of a backend, found with {@link java.util.ServiceLoader}. Construction and every
 * method except {@link #create} must be cheap and must not load native code: discovery instantiates
 * every provider on the class path to list them.
 */
@API(status = API.Status.STABLE, since = "0.1")
public interface BackendProvider {
  /** The SPI version this interface describes; a provider built against another one is skipped. */
  int SPI_VERSION = 1;

  /** The unique target kind this backend compiles for: {@code llvm}, {@code arm}, {@code cuda}, {@code opencl}, ... */
  String kind();

  /** The SPI version the provider was built against. Do not override. */
  default int spiVersion() { return SPI_VERSION; }

  /** The attribute schema and keys of this kind. */
  TargetKind targetKind();

  /** Whether this backend can compile and run here, and why not; cheap. */
  Availability availability();

  /**
   * Creates the backend for {@code target} (already validated against {@link #targetKind()}); this
   * is where native libraries are loaded.
   *
   * @throws org.nnvm4j.pass.diag.BackendUnavailableException when it cannot compile here
   */
  Backend create(Target target);
}
