package org.nnvm4j.tensor.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.Var;

/** {@link Stage#bind}: lowering to thread-binding loops, and its misuse errors. */
class StageBindTest {
  private final Var n = Te.var("n");
  private final Tensor a = Te.placeholder(List.of(n), DType.F32, "A");
  private final Tensor c = Te.compute(a.shape(), i -> IrOps.add(a.get(i), IrOps.f32(1)), "C");

  @Test
  void splitAndBindLowersToLaunchThreadLoops() {
    Schedule s = Schedule.create(c.op());
    IterVar[] io = s.get(c).split(s.get(c).axis().get(0), 64);
    s.get(c).bind(io[0], "blockIdx.x").bind(io[1], "threadIdx.x");
    assertThat(Lower.lower(s, List.of(a, c), "addone").toString()).isEqualTo("""
        primfn addone(A: Buffer(float32, [n]), C: Buffer(float32, [n]), n: int32) {
          launch_thread (blockIdx.x: i.outer, 0, floordiv((n + 63), 64)) {
            launch_thread (threadIdx.x: i.inner, 0, 64) {
              if ((((i.outer * 64) + i.inner) < n)) {
                C[((i.outer * 64) + i.inner)] = (A[((i.outer * 64) + i.inner)] + 1f)
              }
            }
          }
        }
        """);
  }

  @Test
  void bindingAnAxisTwiceNamesTheFirstTag() {
    Schedule s = Schedule.create(c.op());
    IterVar i = s.get(c).axis().get(0);
    s.get(c).bind(i, "blockIdx.x");
    assertThatThrownBy(() -> s.get(c).bind(i, "threadIdx.x")).isInstanceOf(CompileException.class)
        .hasMessageContaining("stage 'C': bind: axis 'i' is already bound to blockIdx.x");
  }

  @Test
  void bindingOneTagToTwoAxesIsAnError() {
    Schedule s = Schedule.create(c.op());
    IterVar[] io = s.get(c).split(s.get(c).axis().get(0), 8);
    s.get(c).bind(io[0], "blockIdx.x");
    assertThatThrownBy(() -> s.get(c).bind(io[1], "blockIdx.x")).isInstanceOf(CompileException.class)
        .hasMessageContaining("blockIdx.x is already bound to axis 'i.outer'");
  }

  @Test
  void unknownTagListsTheKnownOnes() {
    Schedule s = Schedule.create(c.op());
    assertThatThrownBy(() -> s.get(c).bind(s.get(c).axis().get(0), "warpIdx.x")).isInstanceOf(CompileException.class)
        .hasMessageContaining("unknown thread tag 'warpIdx.x'; expected one of [blockIdx.x, blockIdx.y, blockIdx.z,"
            + " threadIdx.x, threadIdx.y, threadIdx.z]");
  }

  @Test
  void aVectorizedAxisCannotBeBound() {
    Schedule s = Schedule.create(c.op());
    IterVar i = s.get(c).axis().get(0);
    s.get(c).vectorize(i);
    assertThatThrownBy(() -> s.get(c).bind(i, "threadIdx.x")).isInstanceOf(CompileException.class)
        .hasMessageContaining("axis 'i' is already vectorized");
  }

  @Test
  void aReductionAxisCannotBeBoundAcrossBlocks() {
    Tensor m = Te.placeholder(Te.shape(4, 8), DType.F32, "M");
    IterVar k = Te.reduceAxis(8, "k");
    Tensor r = Te.compute(Te.shape(4), i -> Te.sum(m.get(i, k.var()), k), "R");
    Schedule s = Schedule.create(r.op());
    assertThatThrownBy(() -> s.get(r).bind(k, "blockIdx.x")).isInstanceOf(CompileException.class)
        .hasMessageContaining("bind: reduction axis 'k' to blockIdx.x; a reduction can be split across the threads of one block");
    s.get(r).bind(k, "threadIdx.x");
    assertThat(s.get(r).threadTagOf(k)).isEqualTo("threadIdx.x");
  }
}
