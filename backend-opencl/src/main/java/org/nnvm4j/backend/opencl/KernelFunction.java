package org.nnvm4j.backend.opencl;

import static org.jocl.CL.*;

import java.util.ArrayList;
import java.util.List;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.FunctionSignature;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.csource.LaunchExtent;
import org.nnvm4j.pass.diag.DeviceRuntimeException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.tensor.DType;

/**
 * One compiled function: checks its arguments, allocates its temporaries, and enqueues its kernels
 * on the buffers' device with the launch geometry of the call's scalars. Launches are asynchronous;
 * the events of the last call give its device time.
 */
final class KernelFunction implements ModuleFunction {
  private final OpenClModule module;
  private final FunctionPlan plan;
  private final List<cl_event> lastEvents = new ArrayList<>();

  KernelFunction(OpenClModule module, FunctionPlan plan) {
    this.module = module;
    this.plan = plan;
  }

  FunctionPlan plan() { return plan; }

  @Override public FunctionSignature signature() { return plan.signature(); }

  @Override
  public void call(List<DeviceBuffer> buffers, long[] scalars) {
    if (!module.isOpen()) throw new IllegalStateException("Module has been closed");
    FunctionSignature sig = plan.signature();
    int nb = sig.buffers().size();
    if (buffers.size() != nb || scalars.length != sig.scalars().size()) {
      throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, sig.name() + " takes " + nb + " buffers and "
          + sig.scalars().size() + " scalars, got " + buffers.size() + " and " + scalars.length);
    }
    for (int i = 0; i < scalars.length; i++) {
      DType t = plan.scalarTypes().get(i);
      if (scalars[i] < 0 || (t.bits() == 32 && scalars[i] > Integer.MAX_VALUE)) {
        throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, sig.name() + ": scalar " + sig.scalars().get(i) + " = "
            + scalars[i] + " is out of range for " + t);
      }
    }
    List<ClBuffer> args = new ArrayList<>();
    ClDevice device = null;
    for (int i = 0; i < nb; i++) {
      ClBuffer b = OpenClRuntime.buffer(buffers.get(i));
      if (device == null) device = b.clDevice();
      if (!b.clDevice().equals(device)) {
        throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, sig.name() + ": buffer " + sig.buffers().get(i).name()
            + " is on " + b.device() + ", the others on " + device.device());
      }
      long need = sig.requiredBytes(i, scalars);
      if (b.byteSize() < need) {
        throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, sig.name() + ": buffer " + sig.buffers().get(i).name()
            + " has " + b.byteSize() + " bytes, needs " + need);
      }
      args.add(b);
    }
    if (device == null) device = ClDevice.all().get(0);
    launch(device, args, scalars);
  }

  private synchronized void launch(ClDevice device, List<ClBuffer> args, long[] scalars) {
    OpenClModule.Program program = module.program(device);
    List<cl_mem> mems = new ArrayList<>();
    for (ClBuffer b : args) mems.add(b.mem());
    List<cl_mem> temps = new ArrayList<>();
    releaseEvents();
    try {
      for (FunctionPlan.Temp t : plan.temps()) {
        long bytes = Math.multiplyExact(t.elements().eval(scalars), (long) t.dtype().bytes());
        cl_mem m = clCreateBuffer(device.context(), CL_MEM_READ_WRITE, Math.max(1, bytes), null, null);
        temps.add(m);
        mems.add(m);
      }
      for (FunctionPlan.Launch l : plan.launches()) {
        long[] local = eval(l.block(), scalars);
        long[] global = eval(l.grid(), scalars);
        boolean empty = false;
        for (int d = 0; d < 3; d++) {
          global[d] = Math.multiplyExact(global[d], local[d]);
          empty |= global[d] == 0;
        }
        if (empty) continue;
        if (local[0] * local[1] * local[2] > device.maxWorkGroupSize()) {
          throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, plan.signature().name() + ": kernel " + l.kernel()
              + " needs blocks of " + local[0] * local[1] * local[2] + " threads, but " + device + " allows "
              + device.maxWorkGroupSize() + "; compile with a smaller -max_num_threads");
        }
        cl_kernel k = program.kernels().get(l.kernel());
        int a = 0;
        for (cl_mem m : mems) clSetKernelArg(k, a++, Sizeof.cl_mem, Pointer.to(m));
        for (int i = 0; i < scalars.length; i++) {
          if (plan.scalarTypes().get(i).bits() == 64) clSetKernelArg(k, a++, Sizeof.cl_long, Pointer.to(new long[] {scalars[i]}));
          else clSetKernelArg(k, a++, Sizeof.cl_int, Pointer.to(new int[] {(int) scalars[i]}));
        }
        cl_event ev = new cl_event();
        clEnqueueNDRangeKernel(device.queue(), k, 3, null, global, local, 0, null, ev);
        lastEvents.add(ev);
      }
    } catch (CLException e) {
      throw new DeviceRuntimeException(ErrorCode.DEVICE_FAILURE, plan.signature().name() + " failed on " + device + ": "
          + e.getMessage(), e);
    } finally {
      // Released temporaries live until the kernels that use them are done.
      temps.forEach(org.jocl.CL::clReleaseMemObject);
    }
  }

  private static long[] eval(List<LaunchExtent> extents, long[] scalars) {
    long[] out = new long[extents.size()];
    for (int i = 0; i < out.length; i++) out[i] = extents.get(i).eval(scalars);
    return out;
  }

  /** The device time of the last call's kernels in milliseconds, waiting for them to finish. */
  synchronized double lastDeviceMillis() {
    if (lastEvents.isEmpty()) return 0;
    clWaitForEvents(lastEvents.size(), lastEvents.toArray(cl_event[]::new));
    long total = 0;
    for (cl_event e : lastEvents) {
      long[] start = new long[1];
      long[] end = new long[1];
      clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(start), null);
      clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(end), null);
      total += end[0] - start[0];
    }
    return total / 1e6;
  }

  synchronized void releaseEvents() {
    lastEvents.forEach(org.jocl.CL::clReleaseEvent);
    lastEvents.clear();
  }
}
