package org.nnvm4j.backend;

import java.util.List;
import org.apiguardian.api.API;

/** One compiled function of a {@link Module}. */
@API(status = API.Status.STABLE, since = "0.1")
public interface ModuleFunction {
  FunctionSignature signature();

  /**
   * Runs the function on {@code buffers} (one per buffer parameter; on this module's device) with
   * the scalar parameters {@code scalars} (from {@link FunctionSignature#bind}). The caller has
   * checked dtypes and shapes; the implementation checks that every buffer is open, on the right
   * device and large enough before the native call.
   */
  void call(List<DeviceBuffer> buffers, long[] scalars);
}
