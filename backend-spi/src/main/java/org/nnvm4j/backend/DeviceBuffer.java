package org.nnvm4j.backend;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * Memory on a device, owned by the backend runtime that allocated it. Closing frees it; close is
 * idempotent, and using a closed buffer throws {@link IllegalStateException}.
 */
@API(status = API.Status.STABLE, since = "0.1")
public interface DeviceBuffer extends AutoCloseable {
  Device device();

  long byteSize();

  /** The memory itself when the device shares the host's address space (CPU backends); empty otherwise. */
  default Optional<MemorySegment> hostSegment() { return Optional.empty(); }

  boolean isClosed();

  @Override void close();
}
