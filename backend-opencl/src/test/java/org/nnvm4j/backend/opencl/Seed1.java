package org.nnvm4j.backend.opencl;

import java.util.List;
import java.util.Map;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.Var;

/** Seed program 1 (TVM's vector add over a symbolic {@code n}), scheduled by the opencl backend. */
final class Seed1 {
  private Seed1() {}

  static PrimFunc lower(Backend backend) {
    Var n = Te.var("n");
    Tensor a = Te.placeholder(List.of(n), DType.F32, "A");
    Tensor b = Te.placeholder(List.of(n), DType.F32, "B");
    Tensor c = Te.compute(a.shape(), i -> IrOps.add(a.get(i), b.get(i)), "C");
    return Lower.lower(backend.lowering().schedule(new ScheduleRequest(List.of(c), "elemwise", "add", Map.of())),
        List.of(a, b, c), "myadd");
  }
}
