package org.nnvm4j.it.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Target;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The 3x3 depthwise convs of MobileNet-v1 at 224x224 ({@link X86SmallBenchmark#DEPTHWISE}, padding 1) with
 * bias and relu fused, in the two forms the llvm backend runs them: {@code layout=NCHW} is the depthwise
 * conv2d of opt level 2 ({@code X86Depthwise}), {@code layout=NCHWc} the {@code depthwise_conv2d_NCHWc}
 * that AlterOpLayout makes of it at opt level 3 (data and output in 16-channel blocks, weight prepacked:
 * {@code X86DepthwiseNchwc}); FMA contraction, 1 and 2 threads. FLOPs (2 per multiply-add) are printed at
 * setup; compare with {@code FmaPeakBenchmark} of the same run for a fraction of peak.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class X86DepthwiseBenchmark {
  @Param({"dw32_112", "dw64_112s2", "dw128_56", "dw128_56s2", "dw256_28", "dw256_28s2", "dw512_14", "dw512_14s2", "dw1024_7"})
  String layer;
  @Param({"1", "2"}) int threads;
  @Param({"NCHW", "NCHWc"}) String layout;
  Kernels.Compiled k;

  @Setup
  public void setup() {
    String target = "llvm -fp-contract=fast -num-threads=" + threads;
    int[] c = X86SmallBenchmark.DEPTHWISE.get(layer);
    int o = (c[1] + 2 - 3) / c[2] + 1;
    boolean blocked = layout.equals("NCHWc");
    int b = 16;
    Tensor data = Te.placeholder(blocked ? Te.shape(1, c[0] / b, c[1], c[1], b) : Te.shape(1, c[0], c[1], c[1]), DType.F32, "data");
    Tensor weight = Te.placeholder(blocked ? Te.shape(c[0] / b, 1, 3, 3, 1, b) : Te.shape(c[0], 1, 3, 3), DType.F32, "weight");
    Tensor bias = Te.placeholder(Te.shape(c[0]), DType.F32, "bias");
    String op = blocked ? "depthwise_conv2d_NCHWc" : "conv2d";
    Map<String, String> attrs = Map.of("strides", "(" + c[2] + ", " + c[2] + ")", "padding", "(1, 1)", "groups", Integer.toString(c[0]));
    List<Tensor> args = List.of(data, weight, bias);
    try (Backend backend = BackendRegistry.defaultRegistry().create(Target.parse(target))) {
      Tensor y = backend.lowering().compute(op, attrs, args).orElseThrow().get(0);
      Tensor out = Te.computeN(y.shape(), i -> IrOps.max(y.get(i), IrOps.f32(0)), "relu", "", Map.of());
      System.out.println(layer + ": " + 2L * c[0] * 9 * o * o + " flops");
      k = Kernels.compileGroup(target, backend, args, out, op, layer);
    }
  }

  @TearDown public void tearDown() { k.close(); }

  @Benchmark public void run() { k.run(); }
}
