package org.nnvm4j.backend.opencl;

import static org.jocl.CL.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_mem;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.pass.diag.DeviceRuntimeException;
import org.nnvm4j.pass.diag.ErrorCode;

/**
 * The OpenCL devices of this process: buffers are {@code cl_mem}s, copies are blocking reads and
 * writes on the device's in-order queue. Sizes, devices and closed state are checked before any
 * native call.
 */
final class OpenClRuntime implements Runtime {
  /** Bytes per native transfer: a {@link java.nio.ByteBuffer} view holds at most 2 GiB. */
  private static final long CHUNK = 1L << 30;

  @Override public List<Device> devices() { return ClDevice.all().stream().map(ClDevice::device).toList(); }

  @Override
  public DeviceBuffer allocate(Device device, long byteSize) {
    if (byteSize < 0) throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, "negative buffer size " + byteSize);
    ClDevice d = ClDevice.of(device);
    try {
      // OpenCL has no empty buffers: an empty DeviceBuffer holds one byte that nothing reads.
      cl_mem mem = clCreateBuffer(d.context(), CL_MEM_READ_WRITE, Math.max(1, byteSize), null, null);
      clEnqueueFillBuffer(d.queue(), mem, Pointer.to(new byte[] {0}), 1, 0, Math.max(1, byteSize), 0, null, null);
      return new ClBuffer(d, mem, byteSize);
    } catch (CLException e) {
      throw new DeviceRuntimeException(ErrorCode.DEVICE_FAILURE, "allocating " + byteSize + " bytes on " + d + " failed: "
          + e.getMessage(), e);
    }
  }

  @Override
  public void copyFromHost(MemorySegment src, DeviceBuffer dst) {
    ClBuffer b = buffer(dst);
    checkSize(src.byteSize(), b.byteSize());
    if (src.byteSize() == 0) return;
    try (Arena staging = Arena.ofConfined()) {
      MemorySegment s = src.isNative() ? src : staging.allocate(src.byteSize(), 64).copyFrom(src);
      for (long off = 0; off < s.byteSize(); off += CHUNK) {
        long len = Math.min(CHUNK, s.byteSize() - off);
        clEnqueueWriteBuffer(b.clDevice().queue(), b.mem(), CL_TRUE, off, len, Pointer.to(s.asSlice(off, len).asByteBuffer()),
            0, null, null);
      }
    } catch (CLException e) {
      throw new DeviceRuntimeException(ErrorCode.DEVICE_FAILURE, "copy to " + b + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void copyToHost(DeviceBuffer src, MemorySegment dst) {
    ClBuffer b = buffer(src);
    checkSize(b.byteSize(), dst.byteSize());
    if (dst.byteSize() == 0) return;
    try (Arena staging = Arena.ofConfined()) {
      MemorySegment d = dst.isNative() ? dst : staging.allocate(dst.byteSize(), 64);
      for (long off = 0; off < d.byteSize(); off += CHUNK) {
        long len = Math.min(CHUNK, d.byteSize() - off);
        clEnqueueReadBuffer(b.clDevice().queue(), b.mem(), CL_TRUE, off, len, Pointer.to(d.asSlice(off, len).asByteBuffer()),
            0, null, null);
      }
      if (d != dst) dst.copyFrom(d);
    } catch (CLException e) {
      throw new DeviceRuntimeException(ErrorCode.DEVICE_FAILURE, "copy from " + b + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void synchronize(Device device) { clFinish(ClDevice.of(device).queue()); }

  /** {@code b} as an open OpenCL buffer. */
  static ClBuffer buffer(DeviceBuffer b) {
    if (b.isClosed()) throw new IllegalStateException("DeviceBuffer has been closed");
    if (!(b instanceof ClBuffer cb)) {
      throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, "buffer on " + b.device() + " is not OpenCL memory");
    }
    return cb;
  }

  private static void checkSize(long src, long dst) {
    if (src != dst) {
      throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, "copy of " + src + " bytes into a buffer of " + dst + " bytes");
    }
  }
}
