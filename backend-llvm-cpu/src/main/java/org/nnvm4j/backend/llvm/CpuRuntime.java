package org.nnvm4j.backend.llvm;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.HostBuffer;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.pass.diag.DeviceRuntimeException;
import org.nnvm4j.pass.diag.ErrorCode;

/** The host as a device: {@code cpu(0)}; buffers are host memory, copies are memory copies. */
final class CpuRuntime implements Runtime {
  static final Device CPU = Device.cpu(0);

  @Override public List<Device> devices() { return List.of(CPU); }

  @Override
  public DeviceBuffer allocate(Device device, long byteSize) {
    checkDevice(device);
    return new HostBuffer(device, byteSize);
  }

  @Override
  public void copyFromHost(MemorySegment src, DeviceBuffer dst) {
    MemorySegment d = host(dst);
    checkSize(src.byteSize(), d.byteSize());
    MemorySegment.copy(src, 0, d, 0, src.byteSize());
  }

  @Override
  public void copyToHost(DeviceBuffer src, MemorySegment dst) {
    MemorySegment s = host(src);
    checkSize(s.byteSize(), dst.byteSize());
    MemorySegment.copy(s, 0, dst, 0, s.byteSize());
  }

  private static MemorySegment host(DeviceBuffer b) {
    if (b.isClosed()) throw new IllegalStateException("DeviceBuffer has been closed");
    checkDevice(b.device());
    return b.hostSegment().orElseThrow(() -> new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT,
        "buffer on " + b.device() + " is not host memory"));
  }

  private static void checkDevice(Device d) {
    if (!d.equals(CPU)) {
      throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, "the llvm backend runs on " + CPU + ", not " + d);
    }
  }

  private static void checkSize(long src, long dst) {
    if (src != dst) {
      throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, "copy of " + src + " bytes into a buffer of " + dst + " bytes");
    }
  }
}
