package org.nnvm4j.backend.opencl;

import static org.jocl.CL.*;

import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import org.jocl.cl_queue_properties;
import org.nnvm4j.backend.Device;
import org.nnvm4j.pass.diag.BackendUnavailableException;
import org.nnvm4j.pass.diag.ErrorCode;

/**
 * One OpenCL device with its context and its in-order, profiling-enabled command queue. The devices
 * are discovered once per process (as TVM's {@code OpenCLWorkspace::Global()}) and live as long as
 * it: every backend instance, module and buffer of the process shares them, so a module compiled by
 * one backend runs on buffers another allocated.
 */
record ClDevice(Device device, String name, long maxWorkGroupSize, cl_device_id id, cl_context context,
    cl_command_queue queue) {
  private static final System.Logger LOG = System.getLogger(ClDevice.class.getName());

  private static final class Holder {
    static final List<ClDevice> ALL = discover();
  }

  /**
   * Every OpenCL device of every platform, numbered {@code opencl(0)}, {@code opencl(1)}, ...
   *
   * @throws BackendUnavailableException when there is no platform or no device
   */
  static List<ClDevice> all() {
    List<ClDevice> all = Holder.ALL;
    if (all.isEmpty()) {
      throw new BackendUnavailableException(ErrorCode.BACKEND_UNAVAILABLE, "no OpenCL device found; install an"
          + " OpenCL driver, e.g. apt-get install pocl-opencl-icd ocl-icd-libopencl1");
    }
    return all;
  }

  /** The device {@code d}, or an error listing the devices. */
  static ClDevice of(Device d) {
    for (ClDevice c : all()) if (c.device().equals(d)) return c;
    throw new org.nnvm4j.pass.diag.DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, "no OpenCL device " + d
        + "; the devices are " + all().stream().map(ClDevice::device).toList());
  }

  private static List<ClDevice> discover() {
    List<ClDevice> out = new ArrayList<>();
    try {
      CL.setExceptionsEnabled(true);
      int[] n = new int[1];
      clGetPlatformIDs(0, null, n);
      cl_platform_id[] platforms = new cl_platform_id[n[0]];
      clGetPlatformIDs(platforms.length, platforms, null);
      for (cl_platform_id p : platforms) {
        int[] nd = new int[1];
        try {
          clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, nd);
        } catch (CLException e) {
          continue;
        }
        cl_device_id[] ids = new cl_device_id[nd[0]];
        clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, ids.length, ids, null);
        for (cl_device_id id : ids) {
          cl_context ctx = clCreateContext(null, 1, new cl_device_id[] {id}, null, null, null);
          cl_queue_properties props = new cl_queue_properties();
          props.addProperty(CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE);
          cl_command_queue q = clCreateCommandQueueWithProperties(ctx, id, props, null);
          long[] maxWg = new long[1];
          clGetDeviceInfo(id, CL_DEVICE_MAX_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(maxWg), null);
          out.add(new ClDevice(Device.opencl(out.size()), info(id, CL_DEVICE_NAME), maxWg[0], id, ctx, q));
        }
      }
    } catch (CLException | UnsatisfiedLinkError e) {
      LOG.log(System.Logger.Level.WARNING, "OpenCL device discovery failed: " + e);
      if (out.isEmpty()) return List.of();
    }
    LOG.log(System.Logger.Level.DEBUG, () -> "OpenCL devices: " + out.stream().map(d -> d.device() + " " + d.name()).toList());
    return List.copyOf(out);
  }

  private static String info(cl_device_id id, int param) {
    long[] size = new long[1];
    clGetDeviceInfo(id, param, 0, null, size);
    byte[] b = new byte[(int) size[0]];
    clGetDeviceInfo(id, param, b.length, Pointer.to(b), null);
    return new String(b, 0, Math.max(0, b.length - 1), java.nio.charset.StandardCharsets.UTF_8);
  }

  @Override public String toString() { return device + " " + name; }
}
