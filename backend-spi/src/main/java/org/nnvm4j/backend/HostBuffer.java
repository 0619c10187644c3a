package org.nnvm4j.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apiguardian.api.API;

/** A {@link DeviceBuffer} in host memory, for CPU backends: 64-byte aligned, owned by its own arena. */
@API(status = API.Status.STABLE, since = "0.1")
public final class HostBuffer implements DeviceBuffer {
  private final Device device;
  private final Arena arena;
  private final MemorySegment segment;
  private final AtomicBoolean closed = new AtomicBoolean();

  public HostBuffer(Device device, long byteSize) {
    if (byteSize < 0) throw new IllegalArgumentException("negative buffer size " + byteSize);
    this.device = device;
    this.arena = Arena.ofShared();
    this.segment = arena.allocate(Math.max(byteSize, 1), 64).asSlice(0, byteSize);
  }

  @Override public Device device() { return device; }

  @Override public long byteSize() { return segment.byteSize(); }

  /** The memory; throws {@link IllegalStateException} when closed. */
  public MemorySegment segment() {
    if (closed.get()) throw new IllegalStateException("DeviceBuffer has been closed");
    return segment;
  }

  @Override public Optional<MemorySegment> hostSegment() { return Optional.of(segment()); }

  @Override public boolean isClosed() { return closed.get(); }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) arena.close();
  }
}
