package org.nnvm4j.backend.opencl;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.Lowering;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.backend.Target;
import org.nnvm4j.backend.csource.KernelSplit;
import org.nnvm4j.graph.ops.VisionDetectOps;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * The {@code opencl} backend: GPU schedules, TIR to OpenCL C through {@link OpenClCodegen}, and the
 * JOCL runtime over the process's OpenCL devices. Where a device exists, {@link #codegen} builds the
 * program on the first one so that a build error surfaces at compile time, with its log.
 */
public final class OpenClBackend implements Backend, Lowering {
  private final Target target;
  private final boolean deviceExpected;
  private OpenClRuntime runtime;

  OpenClBackend(Target target, boolean deviceExpected) {
    this.target = target;
    this.deviceExpected = deviceExpected;
  }

  @Override public Target target() { return target; }

  @Override public Lowering lowering() { return this; }

  @Override
  public synchronized Runtime runtime() {
    if (runtime == null) {
      ClDevice.all();
      runtime = new OpenClRuntime();
    }
    return runtime;
  }

  @Override public Module loadModule(Path dir) { return OpenClModule.load(dir); }

  @Override
  public Schedule schedule(ScheduleRequest request) {
    return OpenClSchedules.schedule(request, (Integer) target.attrs().get("max_num_threads"));
  }

  /** The thread-bound form of the ops whose generic compute is sequential (get_valid_counts, non_max_suppression). */
  @Override
  public Optional<List<Tensor>> compute(String op, Map<String, String> attrs, List<Tensor> inputs) {
    return VisionDetectOps.gpuCompute(op, attrs, inputs, (Integer) target.attrs().get("max_num_threads"));
  }

  @Override
  public Module codegen(List<PrimFunc> functions, PassContext ctx) {
    List<KernelSplit.Result> splits = functions.stream().map(KernelSplit::split).toList();
    OpenClModule m = new OpenClModule(target, OpenClCodegen.source(splits), splits.stream().map(FunctionPlan::of).toList());
    if (deviceExpected && !functions.isEmpty()) {
      try {
        m.program(ClDevice.all().get(0));
      } catch (RuntimeException e) {
        m.close();
        throw e;
      }
    }
    return m;
  }

  /**
   * The device time in milliseconds of the kernels that the last call of {@code f} launched, from
   * their OpenCL profiling events; waits for them to finish.
   */
  public static double lastDeviceMillis(ModuleFunction f) {
    if (!(f instanceof KernelFunction k)) throw CompileException.invalid("not a function of an opencl module");
    return k.lastDeviceMillis();
  }

  /** Contexts and queues belong to the process ({@link ClDevice}); a backend holds nothing native of its own. */
  @Override public void close() {}
}
