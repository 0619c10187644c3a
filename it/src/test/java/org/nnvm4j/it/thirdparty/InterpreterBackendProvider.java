package org.nnvm4j.it.thirdparty;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendProvider;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.FunctionSignature;
import org.nnvm4j.backend.HostBuffer;
import org.nnvm4j.backend.Lowering;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.backend.Target;
import org.nnvm4j.backend.TargetKind;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * A third-party backend that exists only on the test class path: target kind {@code interp}, which
 * "compiles" TIR by keeping it and runs it with the reference interpreter. It is written against
 * {@code backend-spi} alone and registered through {@code META-INF/services}, to prove that a jar on
 * the class path adds a target with no change to nnvm4j.
 */
public final class InterpreterBackendProvider implements BackendProvider {
  static final Device DEVICE = new Device("interp", 0);

  @Override public String kind() { return "interp"; }

  @Override public TargetKind targetKind() { return new TargetKind("interp", Map.of(), List.of("interp"), "interp"); }

  @Override public Availability availability() { return Availability.ready(); }

  @Override public Backend create(Target target) { return new InterpBackend(target); }

  private static final class InterpBackend implements Backend, Lowering, Runtime {
    private final Target target;

    InterpBackend(Target target) { this.target = target; }

    @Override public Target target() { return target; }

    @Override public Lowering lowering() { return this; }

    @Override public Runtime runtime() { return this; }

    @Override public Module loadModule(Path dir) { throw CompileException.invalid("the interp backend does not export"); }

    @Override
    public Schedule schedule(ScheduleRequest request) {
      return Schedule.create(request.outputs().stream().map(Tensor::op).toList());
    }

    @Override
    public Module codegen(List<PrimFunc> functions, PassContext ctx) {
      Map<String, ModuleFunction> fns = new LinkedHashMap<>();
      for (PrimFunc f : functions) fns.put(f.name(), new InterpFunction(f, FunctionSignature.of(f)));
      return new Module() {
        @Override public Target target() { return target; }
        @Override public List<String> functionNames() { return List.copyOf(fns.keySet()); }
        @Override public ModuleFunction function(String name) { return fns.get(name); }
        @Override public List<String> sourceFormats() { return List.of("tir"); }
        @Override public String source(String format) { return functions.toString(); }
        @Override public void export(Path dir) { throw CompileException.invalid("the interp backend does not export"); }
        @Override public void close() {}
      };
    }

    @Override public List<Device> devices() { return List.of(DEVICE); }

    @Override public DeviceBuffer allocate(Device device, long byteSize) { return new HostBuffer(device, byteSize); }

    @Override
    public void copyFromHost(MemorySegment src, DeviceBuffer dst) {
      MemorySegment.copy(src, 0, dst.hostSegment().orElseThrow(), 0, src.byteSize());
    }

    @Override
    public void copyToHost(DeviceBuffer src, MemorySegment dst) {
      MemorySegment.copy(src.hostSegment().orElseThrow(), 0, dst, 0, dst.byteSize());
    }

    @Override public void close() {}
  }

  private record InterpFunction(PrimFunc func, FunctionSignature signature) implements ModuleFunction {
    @Override
    public void call(List<DeviceBuffer> buffers, long[] scalars) {
      List<NDArray> arrays = new ArrayList<>();
      for (int i = 0; i < buffers.size(); i++) {
        FunctionSignature.BufferParam p = signature.buffers().get(i);
        long[] dims = p.shape().stream().mapToLong(d -> d.symbol() == null ? d.value()
            : scalars[signature.scalars().indexOf(d.symbol())]).toArray();
        long bytes = signature.requiredBytes(i, scalars);
        arrays.add(NDArray.wrap(p.dtype(), Shape.of(dims), buffers.get(i).hostSegment().orElseThrow().asSlice(0, bytes)));
      }
      Interpreter.run(func, arrays);
    }
  }
}
