package org.nnvm4j.backend.llvm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.FunctionSignature;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.pass.diag.DeviceRuntimeException;
import org.nnvm4j.pass.diag.ErrorCode;

/**
 * A compiled CPU function {@code i32 f(ptr args)} called through a {@code java.lang.foreign}
 * downcall. Every argument is checked before the call: the module is open, each buffer is open,
 * in host memory and large enough for the shapes the scalars imply.
 */
final class NativeFunction implements ModuleFunction {
  private static final FunctionDescriptor ABI = FunctionDescriptor.of(JAVA_INT, ADDRESS);

  private final FunctionSignature signature;
  private final MethodHandle handle;
  private final List<String> assertMessages;
  private final BooleanSupplier moduleOpen;

  NativeFunction(FunctionSignature signature, MemorySegment address, List<String> assertMessages, BooleanSupplier moduleOpen) {
    this.signature = signature;
    this.handle = Linker.nativeLinker().downcallHandle(address, ABI);
    this.assertMessages = List.copyOf(assertMessages);
    this.moduleOpen = moduleOpen;
  }

  @Override public FunctionSignature signature() { return signature; }

  @Override
  public void call(List<DeviceBuffer> buffers, long[] scalars) {
    if (!moduleOpen.getAsBoolean()) throw new IllegalStateException("Module has been closed");
    int nb = signature.buffers().size();
    if (buffers.size() != nb || scalars.length != signature.scalars().size()) {
      throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, signature.name() + " takes " + nb + " buffers and "
          + signature.scalars().size() + " scalars, got " + buffers.size() + " and " + scalars.length);
    }
    for (long s : scalars) {
      if (s < 0) throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, signature.name() + ": negative dimension " + s);
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment args = arena.allocate(8L * Math.max(1, nb + scalars.length), 8);
      for (int i = 0; i < nb; i++) {
        DeviceBuffer b = buffers.get(i);
        String param = signature.buffers().get(i).name();
        if (b.isClosed()) throw new IllegalStateException("DeviceBuffer has been closed");
        MemorySegment seg = b.hostSegment().orElseThrow(() -> new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT,
            signature.name() + ": buffer " + param + " is on " + b.device()
            + ", not in host memory"));
        long need = signature.requiredBytes(i, scalars);
        if (seg.byteSize() < need) {
          throw new DeviceRuntimeException(ErrorCode.INVALID_ARGUMENT, signature.name() + ": buffer "
              + signature.buffers().get(i).name() + " has " + seg.byteSize() + " bytes, needs " + need);
        }
        args.setAtIndex(ADDRESS, i, seg);
      }
      for (int i = 0; i < scalars.length; i++) args.setAtIndex(JAVA_LONG, nb + i, scalars[i]);
      int rc = (int) handle.invokeExact(args);
      if (rc != 0) {
        String msg = rc - 1 < assertMessages.size() ? assertMessages.get(rc - 1) : "error code " + rc;
        throw new DeviceRuntimeException(ErrorCode.DEVICE_FAILURE, signature.name() + " failed: " + msg);
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new DeviceRuntimeException(ErrorCode.DEVICE_FAILURE, signature.name() + " failed: " + t, t);
    }
  }
}
