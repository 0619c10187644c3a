package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.HostBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.tir.*;

/** Vector TIR (contiguous and strided Ramp accesses, Broadcast, vector select and casts) compiles and matches the interpreter. */
class VectorCodegenTest {
  @Test
  void vectorLoadsStoresAndGathers() {
    int lanes = 8;
    int n = 64;
    Buffer a = Buffer.of("A", DType.F32, List.of(IrOps.i32(2 * n)));
    Buffer b = Buffer.of("B", DType.I32, List.of(IrOps.i32(n)));
    Buffer c = Buffer.of("C", DType.F32, List.of(IrOps.i32(n)));
    Var i = new Var("i", DType.I32);
    Expr base = IrOps.mul(i, IrOps.i32(lanes));
    Expr contiguous = new Ramp(base, IrOps.i32(1), lanes);
    Expr strided = new Ramp(IrOps.mul(base, IrOps.i32(2)), IrOps.i32(2), lanes);
    Expr av = new BufferLoad(a, List.of(strided));                       // gather A[2*k]
    Expr bv = new Cast(DType.F32.withLanes(lanes), new BufferLoad(b, List.of(contiguous)));
    Expr two = new Broadcast(IrOps.f32(2), lanes);
    Expr sum = new Add(av, new Mul(bv, two));
    Expr positive = new GT(sum, new Broadcast(IrOps.f32(0), lanes));
    Expr value = new Select(positive, sum, new Sub(new Broadcast(IrOps.f32(0), lanes), sum));
    Stmt body = new For(i, IrOps.i32(0), IrOps.i32(n / lanes), ForKind.SERIAL, new BufferStore(c, value, List.of(contiguous)));
    PrimFunc f = new PrimFunc("vec", List.of(a, b, c), List.of(), body, Map.of());

    try (NDArray ha = NDArray.allocate(DType.F32, Shape.of(2 * n)); NDArray hb = NDArray.allocate(DType.I32, Shape.of(n));
         NDArray want = NDArray.allocate(DType.F32, Shape.of(n));
         Module m = new LlvmBackendProvider().create(Target.of("llvm")).lowering().codegen(List.of(f), PassContext.defaults())) {
      for (int k = 0; k < 2 * n; k++) ha.setDouble(k, k * 0.5 - 20);
      for (int k = 0; k < n; k++) hb.setDouble(k, 7 - k);
      Interpreter.run(f, List.of(ha, hb, want));
      assertThat(m.source("ll")).contains("<8 x float>");
      DeviceBuffer da = copy(ha), db = copy(hb);
      HostBuffer dc = new HostBuffer(CpuRuntime.CPU, want.byteSize());
      m.function("vec").call(List.of(da, db, dc), new long[0]);
      try (NDArray got = NDArray.wrap(DType.F32, Shape.of(n), dc.segment())) {
        assertThat(got.toFloatArray()).containsExactly(want.toFloatArray());
      }
    }
  }

  static DeviceBuffer copy(NDArray x) {
    HostBuffer h = new HostBuffer(CpuRuntime.CPU, x.byteSize());
    MemorySegment.copy(x.segment(), 0, h.segment(), 0, x.byteSize());
    return h;
  }
}
