package org.nnvm4j.it.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Target;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.Nn;
import org.nnvm4j.tensor.topi.Pool;
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
 * The small x86 kernels: batch-1 dense (the MLP's 784-512 and 512-256 layers), the 3x3 depthwise convs
 * of MobileNet-v1 at 224x224, global average pools and ResNet-18's max pool, each followed by a relu (and
 * its bias where it has one) fused as the graph compiler fuses them, with FMA contraction, at 1 and 2
 * threads. {@code impl=x86} is the llvm backend's strategy ({@code Lowering.compute} then
 * {@code Lowering.schedule}); {@code impl=generic} is the op's generic TOPI compute under the same backend
 * schedule (what ran before); {@code impl=nchwc} is what opt level 3 runs in a blocked network (MobileNet's):
 * the depthwise convs as {@code depthwise_conv2d_NCHWc} (data and output NCHW16c, weight prepacked), the
 * pools on NCHW16c data (their generic compute), batch-1 dense as {@code x86}. FLOPs (2 per multiply-add) and the bytes the weights take are printed at
 * setup. Layer names: {@code dwC_S[s2]} is the depthwise conv of C channels on an S x S map (s2: stride 2),
 * {@code gapC_S} the global average pool of C channels of S x S (64 x 16 x 16: the pool of
 * {@code nnvm4j models}' mobilenet), {@code maxpool64_112} ResNet-18's 3x3/2 max pool (FLOPs there count
 * one compare per window element).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class X86SmallBenchmark {
  /** {channels, input size, stride} of the 3x3 depthwise layers of MobileNet-v1 at 224 (padding 1). */
  static final Map<String, int[]> DEPTHWISE = Map.of(
      "dw32_112", new int[] {32, 112, 1}, "dw64_112s2", new int[] {64, 112, 2}, "dw128_56", new int[] {128, 56, 1},
      "dw128_56s2", new int[] {128, 56, 2}, "dw256_28", new int[] {256, 28, 1}, "dw256_28s2", new int[] {256, 28, 2},
      "dw512_14", new int[] {512, 14, 1}, "dw512_14s2", new int[] {512, 14, 2}, "dw1024_7", new int[] {1024, 7, 1});

  @Param({"dense1x784x512", "dense1x512x256", "dw32_112", "dw64_112s2", "dw128_56", "dw128_56s2", "dw256_28", "dw256_28s2",
      "dw512_14", "dw512_14s2", "dw1024_7", "gap1024_7", "gap64_16", "maxpool64_112"})
  String layer;
  @Param({"1", "2"}) int threads;
  @Param({"x86", "generic", "nchwc"}) String impl;
  Kernels.Compiled k;

  @Setup
  public void setup() {
    String target = "llvm -fp-contract=fast -num-threads=" + threads;
    List<Tensor> args = new ArrayList<>();
    Map<String, String> attrs = Map.of();
    String op;
    long flops;
    long weightBytes = 0;
    if (layer.startsWith("dense")) {
      String[] mkn = layer.substring(5).split("x");
      int m = Integer.parseInt(mkn[0]), k = Integer.parseInt(mkn[1]), n = Integer.parseInt(mkn[2]);
      args.add(Te.placeholder(Te.shape(m, k), DType.F32, "data"));
      args.add(Te.placeholder(Te.shape(n, k), DType.F32, "weight"));
      args.add(Te.placeholder(Te.shape(n), DType.F32, "bias"));
      op = "dense";
      flops = 2L * m * k * n;
      weightBytes = 4L * k * n;
    } else if (layer.equals("maxpool64_112")) {
      args.add(data(64, 112, 112));
      op = "max_pool2d";
      attrs = Map.of("pool_size", "(3, 3)", "strides", "(2, 2)", "padding", "(1, 1)");
      flops = 64L * 56 * 56 * 9;
    } else if (layer.startsWith("gap")) {
      String[] cs = layer.substring(3).split("_");
      int c = Integer.parseInt(cs[0]), size = Integer.parseInt(cs[1]);
      args.add(data(c, size, size));
      op = "global_avg_pool2d";
      flops = (long) c * size * size;
    } else {
      int[] c = DEPTHWISE.get(layer);
      int o = (c[1] + 2 - 3) / c[2] + 1;
      boolean blocked = impl.equals("nchwc");
      args.add(data(c[0], c[1], c[1]));
      args.add(Te.placeholder(blocked ? Te.shape(c[0] / 16, 1, 3, 3, 1, 16) : Te.shape(c[0], 1, 3, 3), DType.F32, "weight"));
      args.add(Te.placeholder(Te.shape(c[0]), DType.F32, "bias"));
      op = blocked ? "depthwise_conv2d_NCHWc" : "conv2d";
      attrs = Map.of("strides", "(" + c[2] + ", " + c[2] + ")", "padding", "(1, 1)", "groups", Integer.toString(c[0]));
      flops = 2L * c[0] * 9 * o * o;
      weightBytes = 4L * c[0] * 9;
    }
    try (Backend backend = BackendRegistry.defaultRegistry().create(Target.parse(target))) {
      boolean strategy = impl.equals("x86") || impl.equals("nchwc") && !op.endsWith("pool2d");
      Tensor y = strategy ? backend.lowering().compute(op, attrs, args).orElseThrow().get(0) : generic(op, attrs, args);
      k = Kernels.withRelu(target, backend, y, op, args, layer, flops + " flops, " + weightBytes + " weight bytes");
    }
  }

  /** Data [1, c, h, w], or with {@code impl=nchwc} NCHW16c [1, c/16, h, w, 16]. */
  private Tensor data(int c, int h, int w) {
    return Te.placeholder(impl.equals("nchwc") ? Te.shape(1, c / 16, h, w, 16) : Te.shape(1, c, h, w), DType.F32, "data");
  }

  /** The op's generic TOPI compute, bias added as the graph's ops add it. */
  private static Tensor generic(String op, Map<String, String> attrs, List<Tensor> args) {
    return switch (op) {
      case "dense" -> Conv2d.biasAdd(Nn.dense(args.get(0), args.get(1), op), args.get(2), op + "_bias");
      case "conv2d" -> {
        int g = Integer.parseInt(attrs.get("groups"));
        int s = attrs.get("strides").equals("(2, 2)") ? 2 : 1;
        Conv2d.Params p = new Conv2d.Params(new int[] {s, s}, new int[] {1, 1}, new int[] {1, 1}, g);
        yield Conv2d.biasAdd(Conv2d.nchw(args.get(0), args.get(1), p, op), args.get(2), op + "_bias");
      }
      case "max_pool2d" -> Pool.pool2d(args.get(0), new Pool.Params(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, false, false),
          false, op);
      default -> Pool.global(args.get(0), true, op);
    };
  }

  @TearDown public void tearDown() { k.close(); }

  @Benchmark public void run() { k.run(); }
}
