package org.nnvm4j.it.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * sgemm 1024 from hand-scheduled tensor-expression programs ({@link Kernels#sgemm},
 * {@link Kernels#sgemmBlocked}), with FMA contraction, at 1 and 2 threads. GFLOP/s = 2 * 1024^3 / (ms * 1e6).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SgemmBenchmark {
  @Param({"1024"}) int n;
  @Param({"1", "2"}) int threads;
  /** packed: 32x32 tiles accumulating in C; blocked: 6x16 register tile (cacheWrite) over a blocked product, as the x86 dense strategy. */
  @Param({"packed", "blocked"}) String schedule;
  Kernels.Compiled k;

  @Setup
  public void setup() {
    long bytes = 4L * n * n;
    k = Kernels.compile("llvm -fp-contract=fast -num-threads=" + threads, schedule.equals("blocked") ? Kernels.sgemmBlocked(n) : Kernels.sgemm(n, 32), new long[] {bytes, bytes, bytes},
        new long[0]);
  }

  @TearDown public void tearDown() { k.close(); }

  @Benchmark public void sgemm() { k.run(); }
}
