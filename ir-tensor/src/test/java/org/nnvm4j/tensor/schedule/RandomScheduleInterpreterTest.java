package org.nnvm4j.tensor.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * Every random schedule ({@link RandomSchedules}: computeAt, inline, cacheWrite, split, fuse, vectorize,
 * unroll, ...), lowered through the whole TIR pipeline (partition, vectorize, unroll, storage rewrite, ...),
 * computes what plain Java loops compute, exactly (int32 arithmetic).
 */
class RandomScheduleInterpreterTest {
  @Property(tries = 200)
  void loweredProgramMatchesPlainJava(@ForAll @IntRange(min = 1, max = 6) int m, @ForAll @IntRange(min = 1, max = 9) int n,
      @ForAll boolean symbolic, @ForAll @IntRange(min = 0, max = 5) int tStage,
      @ForAll @IntRange(min = 0, max = 4) int bStage, @ForAll @IntRange(min = 1, max = 4) int factor, @ForAll boolean cache) {
    RandomSchedules.Program p = RandomSchedules.build(m, n, symbolic, tStage, bStage, factor, cache, DType.I32);
    PrimFunc f = Lower.lower(p.schedule(), p.args(), "random");
    int[] in = new int[m * n];
    for (int i = 0; i < in.length; i++) in[i] = (i * 7) % 11 - 5;
    try (NDArray a = NDArray.of(in, Shape.of(m, n)); NDArray r = NDArray.allocate(DType.I32, Shape.of(m))) {
      Interpreter.run(f, List.of(a, r));
      assertThat(Arrays.stream(r.toIntArray()).asLongStream().toArray()).as("%s", f).containsExactly(RandomSchedules.expected(in, m, n));
    }
  }
}
