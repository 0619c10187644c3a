package org.nnvm4j.it.thirdparty;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendProvider;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.FunctionSignature;
import org.nnvm4j.backend.Lowering;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.backend.Target;
import org.nnvm4j.backend.TargetKind;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * A test backend, kind {@code devmem}, whose buffers are not host memory (as on a GPU): only its
 * runtime's copies reach them. It compiles and runs through the {@code interp} backend, handing each
 * function views of its own buffers; it proves that nnvm4j never views device buffers from the host.
 */
public final class DeviceMemoryBackendProvider implements BackendProvider {
  public static final Device DEVICE = new Device("devmem", 0);

  @Override public String kind() { return "devmem"; }

  @Override public TargetKind targetKind() { return new TargetKind("devmem", java.util.Map.of(), List.of("devmem"), "devmem"); }

  @Override public Availability availability() { return Availability.ready(); }

  @Override public Backend create(Target target) { return new DevBackend(target, BackendRegistry.defaultRegistry().create(Target.of("interp"))); }

  /** Device memory: a segment that only this backend touches. */
  private static final class DevBuffer implements DeviceBuffer {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    private boolean closed;

    DevBuffer(long bytes) { memory = arena.allocate(Math.max(1, bytes), 64).asSlice(0, bytes); }

    MemorySegment memory() {
      if (closed) throw new IllegalStateException("DeviceBuffer has been closed");
      return memory;
    }

    @Override public Device device() { return DEVICE; }

    @Override public long byteSize() { return memory.byteSize(); }

    @Override public boolean isClosed() { return closed; }

    @Override
    public void close() {
      if (closed) return;
      closed = true;
      arena.close();
    }
  }

  /** What the interp functions are given: the device memory as host memory, inside this backend only. */
  private record Inside(DevBuffer buffer) implements DeviceBuffer {
    @Override public Device device() { return buffer.device(); }

    @Override public long byteSize() { return buffer.byteSize(); }

    @Override public Optional<MemorySegment> hostSegment() { return Optional.of(buffer.memory()); }

    @Override public boolean isClosed() { return buffer.isClosed(); }

    @Override public void close() {}
  }

  private record DevBackend(Target target, Backend interp) implements Backend, Lowering, Runtime {
    @Override public Lowering lowering() { return this; }

    @Override public Runtime runtime() { return this; }

    @Override public Module loadModule(Path dir) { throw CompileException.invalid("the devmem backend does not export"); }

    @Override public Schedule schedule(ScheduleRequest request) { return interp.lowering().schedule(request); }

    @Override
    public Module codegen(List<PrimFunc> functions, PassContext ctx) {
      Module inner = interp.lowering().codegen(functions, ctx);
      return new Module() {
        @Override public Target target() { return target; }

        @Override public List<String> functionNames() { return inner.functionNames(); }

        @Override
        public ModuleFunction function(String name) {
          ModuleFunction f = inner.function(name);
          return new ModuleFunction() {
            @Override public FunctionSignature signature() { return f.signature(); }

            @Override
            public void call(List<DeviceBuffer> buffers, long[] scalars) {
              f.call(buffers.stream().map(b -> (DeviceBuffer) new Inside((DevBuffer) b)).toList(), scalars);
            }
          };
        }

        @Override public List<String> sourceFormats() { return inner.sourceFormats(); }

        @Override public String source(String format) { return inner.source(format); }

        @Override public void export(Path dir) { throw CompileException.invalid("the devmem backend does not export"); }

        @Override public void close() { inner.close(); }
      };
    }

    @Override public List<Device> devices() { return List.of(DEVICE); }

    @Override public DeviceBuffer allocate(Device device, long byteSize) { return new DevBuffer(byteSize); }

    @Override
    public void copyFromHost(MemorySegment src, DeviceBuffer dst) { ((DevBuffer) dst).memory().copyFrom(src); }

    @Override
    public void copyToHost(DeviceBuffer src, MemorySegment dst) { dst.copyFrom(((DevBuffer) src).memory()); }

    @Override public void close() { interp.close(); }
  }
}
