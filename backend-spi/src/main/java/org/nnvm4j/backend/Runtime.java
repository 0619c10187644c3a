package org.nnvm4j.backend;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.apiguardian.api.API;

/**
 * Devices, memory and copies of one backend. Every copy is checked in Java (sizes, closed buffers,
 * device ownership) before any native call.
 */
@API(status = API.Status.STABLE, since = "0.1")
public interface Runtime {
  /** The devices present, e.g. {@code [cpu(0)]}. */
  List<Device> devices();

  /** {@code byteSize} bytes on {@code device}, 64-byte aligned, zero-filled. */
  DeviceBuffer allocate(Device device, long byteSize);

  /** Copies all of {@code src} (host memory) into {@code dst}, which must be as large. */
  void copyFromHost(MemorySegment src, DeviceBuffer dst);

  /** Copies all of {@code src} into {@code dst} (host memory), which must be as large. */
  void copyToHost(DeviceBuffer src, MemorySegment dst);

  /** Waits until all work queued on {@code device} is done. */
  default void synchronize(Device device) {}
}
