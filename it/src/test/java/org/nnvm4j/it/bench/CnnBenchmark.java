package org.nnvm4j.it.bench;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.Target;
import org.nnvm4j.it.CnnModelsAccess;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.openjdk.jmh.annotations.*;

/** The test CNN of the graph tests (conv-bn-relu-pool-dense-softmax, input 1x3x16x16) run by the graph runtime, per target and opt level. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CnnBenchmark {
  /** The target; {@code llvm -num-threads=1} times the kernels without libgomp's fork/join (opt 0 has one launch per op). */
  @Param({"llvm", "llvm -num-threads=1", "opencl"}) String target;
  @Param({"0", "3"}) int optLevel;
  CompiledGraph cg;
  GraphModule gm;
  NDArray x;

  @Setup
  public void setup() {
    CnnModelsAccess.Model m = CnnModelsAccess.convNet();
    x = m.input(3);
    cg = Compiler.build(m.graph(), target, Map.of("x", m.inputShape()), Map.of(), DType.F32, m.params(7),
        Compiler.buildConfig(optLevel, Set.of()));
    String deviceType = BackendRegistry.defaultRegistry().provider(Target.parse(target).kind()).targetKind().deviceType();
    gm = GraphModule.create(cg, new Device(deviceType, 0));
    gm.setInput("x", x);
  }

  @TearDown
  public void tearDown() {
    gm.close();
    cg.close();
    x.close();
  }

  @Benchmark public void run() { gm.run(); }
}
