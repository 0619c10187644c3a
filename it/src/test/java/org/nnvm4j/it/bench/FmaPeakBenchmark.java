package org.nnvm4j.it.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * The machine's FMA peak as generated code reaches it: 12 independent float32 FMA chains per thread,
 * each as wide as the host's vectors (16 lanes with AVX-512, else 8), 2^20 iterations.
 * GFLOP/s = threads * 2^20 * 12 * lanes * 2 / (ms * 1e6); the lanes are printed at setup.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FmaPeakBenchmark {
  static final int ITERS = 1 << 20;
  @Param({"1", "2"}) int threads;
  Kernels.Compiled k;

  @Setup
  public void setup() {
    int lanes = Kernels.hostLanes();
    System.out.println("FMA peak kernel: " + lanes + " lanes, 12 chains, " + threads + " thread(s)");
    k = Kernels.compile("llvm -num-threads=" + threads, Kernels.fmaPeak(threads, 12, lanes),
        new long[] {8, 4L * threads * 12 * lanes}, new long[] {ITERS});
  }

  @TearDown public void tearDown() { k.close(); }

  @Benchmark public void fma() { k.run(); }
}
