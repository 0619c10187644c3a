package org.nnvm4j.backend.opencl;

import java.util.concurrent.atomic.AtomicBoolean;
import org.jocl.CL;
import org.jocl.cl_mem;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;

/** Device memory: an OpenCL {@code cl_mem} of one device's context; closing releases it, idempotently. */
final class ClBuffer implements DeviceBuffer {
  private final ClDevice device;
  private final cl_mem mem;
  private final long byteSize;
  private final AtomicBoolean closed = new AtomicBoolean();

  ClBuffer(ClDevice device, cl_mem mem, long byteSize) {
    this.device = device;
    this.mem = mem;
    this.byteSize = byteSize;
  }

  @Override public Device device() { return device.device(); }

  ClDevice clDevice() { return device; }

  @Override public long byteSize() { return byteSize; }

  /** The memory object; throws {@link IllegalStateException} when closed. */
  cl_mem mem() {
    if (closed.get()) throw new IllegalStateException("DeviceBuffer has been closed");
    return mem;
  }

  @Override public boolean isClosed() { return closed.get(); }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) CL.clReleaseMemObject(mem);
  }

  @Override public String toString() { return "ClBuffer(" + device.device() + ", " + byteSize + " bytes)"; }
}
