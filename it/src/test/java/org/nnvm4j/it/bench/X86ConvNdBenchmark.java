package org.nnvm4j.it.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Target;
import org.nnvm4j.graph.OpRegistry;
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
 * The conv family beyond conv2d, batch 1, each with its bias and a relu fused as the graph compiler fuses
 * them, with FMA contraction, at 1 and 2 threads: {@code c3d} a C3D / 3D-ResNet layer (conv3d 3x3x3,
 * 64 to 64 channels on 8x28x28, padding 1), {@code dcgan} a DCGAN generator layer (conv2d_transpose 4x4
 * stride 2 padding 1, 256 to 128 channels, 16x16 to 32x32), {@code tcn} a TCN / wave layer (conv1d k3,
 * 256 to 256 channels on 1024, padding 1). {@code impl=x86} is the llvm backend's strategy
 * ({@code Lowering.compute} then {@code Lowering.schedule}); {@code impl=generic} is the op's generic TOPI
 * compute under the same backend schedule (what ran before). FLOPs are 2 per multiply-add the op needs
 * (for the transposed conv: the taps that land inside the output), printed at setup;
 * GFLOP/s = flops / (ms * 1e6), and the fraction of the FMA peak from {@link FmaPeakBenchmark} in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class X86ConvNdBenchmark {
  /** A layer: op, data shape, weight shape, attributes. */
  record Layer(String op, long[] data, long[] weight, Map<String, String> attrs) {}

  static final Map<String, Layer> LAYERS = Map.of(
      "c3d", new Layer("conv3d", new long[] {1, 64, 8, 28, 28}, new long[] {64, 64, 3, 3, 3},
          attrs(64, "(3, 3, 3)", "(1, 1, 1)", "(1, 1, 1)", "(1, 1, 1)", null)),
      "dcgan", new Layer("conv2d_transpose", new long[] {1, 256, 16, 16}, new long[] {256, 128, 4, 4},
          attrs(128, "(4, 4)", "(2, 2)", "(1, 1)", "(1, 1)", "(0, 0)")),
      "tcn", new Layer("conv1d", new long[] {1, 256, 1024}, new long[] {256, 256, 3}, attrs(256, "(3)", "(1)", "(1)", "(1)", null)));

  @Param({"c3d", "dcgan", "tcn"}) String layer;
  @Param({"1", "2"}) int threads;
  @Param({"x86", "generic"}) String impl;
  Kernels.Compiled k;

  private static Map<String, String> attrs(long channels, String kernel, String strides, String padding, String dilation,
      String outputPadding) {
    Map<String, String> a = new LinkedHashMap<>(Map.of("channels", Long.toString(channels), "kernel_size", kernel, "strides", strides,
        "padding", padding, "dilation", dilation, "groups", "1", "use_bias", "True"));
    if (outputPadding != null) a.put("output_padding", outputPadding);
    return a;
  }

  @Setup
  public void setup() {
    String target = "llvm -fp-contract=fast -num-threads=" + threads;
    Layer l = LAYERS.get(layer);
    boolean transposed = l.op().endsWith("_transpose");
    long oc = l.weight()[transposed ? 1 : 0];
    List<Tensor> args = new ArrayList<>(List.of(Te.placeholder(Te.shape(l.data()), DType.F32, "data"),
        Te.placeholder(Te.shape(l.weight()), DType.F32, "weight"), Te.placeholder(Te.shape(oc), DType.F32, "bias")));
    try (Backend backend = BackendRegistry.defaultRegistry().create(Target.parse(target))) {
      Tensor y = impl.equals("x86") ? backend.lowering().compute(l.op(), l.attrs(), args).orElseThrow().get(0)
          : OpRegistry.get(l.op()).compute().compute(l.attrs(), args).get(0);
      Tensor out = Te.computeN(y.shape(), i -> IrOps.max(y.get(i), IrOps.f32(0)), "relu", "", Map.of());
      System.out.println(layer + ": " + flops(l, y) + " flops");
      k = Kernels.compileGroup(target, backend, args, out, l.op(), layer);
    }
  }

  /**
   * 2 x the multiply-adds: per output channel and input channel, the product over the spatial axes of the
   * (input or output position, tap) pairs that meet (a conv's taps inside the padded data; a transposed
   * conv's taps whose target lies inside the output).
   */
  static long flops(Layer l, Tensor out) {
    boolean transposed = l.op().endsWith("_transpose");
    int r = l.data().length - 2;
    int[] s = ints(l.attrs().get("strides")), p = ints(l.attrs().get("padding")), d = ints(l.attrs().get("dilation"));
    long macs = l.weight()[0] * l.weight()[1];
    for (int i = 0; i < r; i++) {
      long outExtent = IrOps.asLong(out.shape().get(i + 2)), pairs = 0;
      for (long q = 0; q < (transposed ? l.data()[i + 2] : outExtent); q++) {
        for (long t = 0; t < l.weight()[i + 2]; t++) {
          long at = q * s[i] + t * d[i] - p[i];
          pairs += at >= 0 && at < (transposed ? outExtent : l.data()[i + 2]) ? 1 : 0;
        }
      }
      macs *= pairs;
    }
    return 2 * macs;
  }

  private static int[] ints(String v) {
    String[] parts = v.replaceAll("[() ]", "").split(",");
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) out[i] = Integer.parseInt(parts[i]);
    return out;
  }

  @TearDown public void tearDown() { k.close(); }

  @Benchmark public void run() { k.run(); }
}
