package org.nnvm4j.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.backend.Target;
import org.nnvm4j.backend.csource.KernelSplit;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;

/** The OpenCL C text of lowered functions; needs no device. */
class OpenClCodegenTest {
  private final OpenClBackend backend = new OpenClBackend(new OpenClBackendProvider().targetKind()
      .validate(Target.of("opencl")), false);

  @Test
  void seed1MatchesTheGoldenSource() throws IOException {
    PrimFunc f = Seed1.lower(backend);
    assertThat(OpenClCodegen.source(KernelSplit.split(f))).isEqualTo(golden("seed1-myadd.cl"));
  }

  @Test
  void moduleSourceIsTheOpenClC() {
    try (var m = backend.codegen(List.of(Seed1.lower(backend)), org.nnvm4j.pass.PassContext.defaults())) {
      assertThat(m.sourceFormats()).containsExactly("cl");
      assertThat(m.source("cl")).contains("__kernel void myadd_kernel0(");
      assertThatThrownBy(() -> m.source("ptx")).isInstanceOf(CompileException.class)
          .hasMessageContaining("the opencl backend has source formats [cl], not 'ptx'");
    }
  }

  @Test
  void twoDimensionalComputeFusesItsAxesAndUsesMathBuiltins() {
    Tensor a = Te.placeholder(Te.shape(3, 5), DType.F32, "A");
    Tensor c = Te.compute(a.shape(), (i, j) -> IrOps.call(DType.F32, "exp", IrOps.max(a.get(i, j), IrOps.f32(0))), "C");
    PrimFunc f = Lower.lower(backend.schedule(new org.nnvm4j.backend.ScheduleRequest(List.of(c), "elemwise", "exp", Map.of())),
        List.of(a, c), "expmax");
    KernelSplit.Result split = KernelSplit.split(f);
    String src = OpenClCodegen.source(split);
    assertThat(src).contains("int i_j_fused_outer = get_group_id(0);").contains("int i_j_fused_inner = get_local_id(0);")
        .contains("exp(fmax(A[");
    assertThat(split.kernels().get(0).grid().get(0).eval(new long[0])).isEqualTo(1);
    assertThat(split.kernels().get(0).grid().get(1).eval(new long[0])).isEqualTo(1);
    assertThat(split.kernels().get(0).block().get(0).eval(new long[0])).isEqualTo(256);
  }

  @Test
  void anUnboundLoopNestIsAScheduleError() {
    Tensor a = Te.placeholder(Te.shape(8), DType.F32, "A");
    Tensor c = Te.compute(a.shape(), i -> IrOps.add(a.get(i), IrOps.f32(1)), "C");
    PrimFunc f = Lower.lower(Schedule.create(c.op()), List.of(a, c), "serial");
    assertThatThrownBy(() -> KernelSplit.split(f)).isInstanceOf(CompileException.class)
        .hasMessageContaining("function serial: loop nest 0 has no loop bound to a GPU thread index");
  }

  @Test
  void aParallelLoopInsideAKernelIsRejected() {
    Tensor a = Te.placeholder(Te.shape(8, 4), DType.F32, "A");
    Tensor c = Te.compute(a.shape(), (i, j) -> a.get(i, j), "C");
    Schedule s = Schedule.create(c.op());
    IterVar i = s.get(c).axis().get(0);
    s.get(c).bind(i, "blockIdx.x").parallel(s.get(c).axis().get(1));
    PrimFunc f = Lower.lower(s, List.of(a, c), "par");
    assertThatThrownBy(() -> OpenClCodegen.source(KernelSplit.split(f))).isInstanceOf(CompileException.class)
        .hasMessageContaining("parallel loop j inside a device kernel");
  }

  @Test
  void namesThatWouldHideBuiltinsAreRenamed() {
    Tensor a = Te.placeholder(Te.shape(8), DType.F32, "exp");
    Tensor c = Te.compute(a.shape(), i -> IrOps.call(DType.F32, "exp", a.get(i)), "get_id");
    PrimFunc f = Lower.lower(backend.schedule(new org.nnvm4j.backend.ScheduleRequest(List.of(c), "elemwise", "exp", Map.of())),
        List.of(a, c), "clash");
    assertThat(OpenClCodegen.source(KernelSplit.split(f)))
        .contains("__kernel void clash_kernel0(__global float* restrict v_exp, __global float* restrict v_get_id)")
        .contains("v_get_id[((i_outer * 256) + i_inner)] = exp(v_exp[((i_outer * 256) + i_inner)]);");
  }

  static String golden(String name) throws IOException {
    try (InputStream in = OpenClCodegenTest.class.getResourceAsStream("/golden/" + name)) {
      if (in == null) throw new IOException("missing golden file " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
