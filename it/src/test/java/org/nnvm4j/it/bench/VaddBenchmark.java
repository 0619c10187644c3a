package org.nnvm4j.it.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Var;
import org.openjdk.jmh.annotations.*;

/** Seed program 1 (C = A + B, float32) at n = 16M: GB/s = 3 * 4 * n / time. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class VaddBenchmark {
  @Param({"16777216"}) int n;
  Kernels.Compiled k;

  @Setup
  public void setup() {
    Var len = Te.var("n");
    Tensor a = Te.placeholder(List.of(len), DType.F32, "A");
    Tensor b = Te.placeholder(List.of(len), DType.F32, "B");
    Tensor c = Te.compute(a.shape(), i -> IrOps.add(a.get(i), b.get(i)), "C");
    long bytes = 4L * n;
    k = Kernels.compile("llvm", Lower.lower(Schedule.create(c.op()), List.of(a, b, c), "myadd"),
        new long[] {bytes, bytes, bytes}, new long[] {n});
  }

  @TearDown public void tearDown() { k.close(); }

  @Benchmark public void vadd() { k.run(); }
}
