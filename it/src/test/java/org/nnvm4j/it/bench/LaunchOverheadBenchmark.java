package org.nnvm4j.it.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * What one call costs: a 2-iteration loop run serially (the Java-to-native call with its argument
 * checks) and as a parallel loop on libgomp's 2 threads (adds the fork/join of the thread pool).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LaunchOverheadBenchmark {
  @Param({"false", "true"}) boolean parallel;
  Kernels.Compiled k;

  @Setup
  public void setup() {
    k = Kernels.compile("llvm -num-threads=2", Kernels.tinyLoop(2, parallel), new long[] {8}, new long[0]);
  }

  @TearDown public void tearDown() { k.close(); }

  @Benchmark public void call() { k.run(); }
}
