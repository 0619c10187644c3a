package org.nnvm4j.backend;

import java.nio.file.Path;
import org.apiguardian.api.API;

/**
 * A backend created for one {@link Target}: code generation plus, where a device is present, a
 * runtime. Holds native state; {@link #close()} is idempotent and throws nothing.
 */
@API(status = API.Status.STABLE, since = "0.1")
public interface Backend extends AutoCloseable {
  /** The validated target this backend compiles for. */
  Target target();

  /** Schedules and code generation. */
  Lowering lowering();

  /**
   * The runtime of this backend's devices.
   *
   * @throws org.nnvm4j.pass.diag.BackendUnavailableException when no device is present here
   */
  Runtime runtime();

  /** Loads a module that {@link Module#export} wrote to {@code dir}. */
  Module loadModule(Path dir);

  @Override void close();
}
