package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.HostBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.Evaluate;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.SeqStmt;

/**
 * An extern op whose body calls C functions ({@code call_extern}): the interpreter cannot run it, so the
 * JIT's result is checked against Java. The body copies row 1 of A into the output with libc's
 * {@code memcpy} (pointers from {@code address_of}) and stores {@code abs(-7)} from libc in element 0.
 */
class ExternCallTest {
  @Test
  void externBodyCallsLibcThroughAddressOf() {
    Tensor a = Te.placeholder(Te.shape(3, 9), DType.F32, "A");
    Tensor c = Te.extern(List.of(Te.shape(9)), List.of(DType.F32), List.of(a), (ins, outs) -> SeqStmt.of(
        new Evaluate(IrOps.callExtern(DType.HANDLE, "memcpy", IrOps.addressOf(new BufferLoad(outs.get(0), List.of(IrOps.i32(0)))),
            IrOps.addressOf(new BufferLoad(ins.get(0), List.of(IrOps.i32(1), IrOps.i32(0)))), IrOps.i64(9 * 4))),
        new org.nnvm4j.tensor.tir.BufferStore(outs.get(0), IrOps.cast(DType.F32, IrOps.callExtern(DType.I32, "abs", IrOps.i32(-7))),
            List.of(IrOps.i32(0)))), "copy").get(0);
    PrimFunc f = Lower.lower(Schedule.create(c.op()), List.of(a, c), "copy_row");
    try (Module m = new LlvmBackendProvider().create(Target.of("llvm")).lowering().codegen(List.of(f), PassContext.defaults());
         HostBuffer in = new HostBuffer(CpuRuntime.CPU, 4 * 27); HostBuffer out = new HostBuffer(CpuRuntime.CPU, 4 * 9)) {
      for (int i = 0; i < 27; i++) in.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, i * 0.5f - 3);
      m.function("copy_row").call(List.<DeviceBuffer>of(in, out), new long[0]);
      float[] got = out.segment().toArray(ValueLayout.JAVA_FLOAT);
      assertThat(got[0]).isEqualTo(7f);
      for (int j = 1; j < 9; j++) assertThat(got[j]).as("element %d", j).isEqualTo((9 + j) * 0.5f - 3);
    }
  }
}
