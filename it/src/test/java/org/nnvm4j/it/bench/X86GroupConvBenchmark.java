package org.nnvm4j.it.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Target;
import org.nnvm4j.graph.pass.AlterOpLayout;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.Layout;
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
 * Grouped 3x3 convs (batch 1, padding 1), compiled through the llvm backend as the graph compiler builds the group, with
 * FMA contraction, at 1 and 2 threads: {@code impl=prepacked} is the op AlterOpLayout makes of the layer at opt level 3
 * ({@code group_conv2d_NCHWc}, data in the blocked layout the previous layer wrote, weight packed at build time; a layer
 * for which the backend proposes nothing, such as 4 channels per group at stride 1, runs its NCHW compute as at opt 2);
 * {@code impl=inkernel} the x86 grouped compute on NCHW data packing the weight on every call (opt level 2);
 * {@code impl=generic} the op's generic TOPI compute ({@code Conv2d.nchw}) under the same backend schedule, what ran
 * before. FLOPs (2 per multiply-add) are printed at setup; GFLOP/s = flops / (ms * 1e6). Layers: {@code rx50_g32_56} is
 * ResNeXt-50 32x4d's first-stage grouped conv (128 -> 128 channels, 32 groups of 4, 56x56), {@code g8_256_28} a 3x3
 * 256 -> 256 conv in 8 groups of 32 on 28x28, {@code rx50_g32_28s2} ResNeXt-50's second-stage strided grouped conv
 * (256 -> 256, 32 groups of 8, 56x56 to 28x28).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class X86GroupConvBenchmark {
  /** {channels, groups, input size, stride} of each 3x3 grouped layer (padding 1). */
  static final Map<String, int[]> LAYERS = Map.of(
      "rx50_g32_56", new int[] {128, 32, 56, 1},
      "g8_256_28", new int[] {256, 8, 28, 1},
      "rx50_g32_28s2", new int[] {256, 32, 56, 2});

  @Param({"rx50_g32_56", "g8_256_28", "rx50_g32_28s2"}) String layer;
  @Param({"1", "2"}) int threads;
  @Param({"prepacked", "inkernel", "generic"}) String impl;
  Kernels.Compiled k;

  @Setup
  public void setup() {
    String target = "llvm -fp-contract=fast -num-threads=" + threads;
    int[] c = LAYERS.get(layer);
    int o = (c[2] + 2 - 3) / c[3] + 1;
    List<Shape> shapes = List.of(Shape.of(1, c[0], c[2], c[2]), Shape.of(c[0], c[0] / c[1], 3, 3));
    String op = "conv2d";
    Map<String, String> attrs = Map.of("channels", Integer.toString(c[0]), "kernel_size", "(3, 3)", "strides", "(" + c[3] + ", " + c[3] + ")",
        "padding", "(1, 1)", "groups", Integer.toString(c[1]));
    long flops = 2L * c[0] * (c[0] / c[1]) * 9 * o * o;
    try (Backend backend = BackendRegistry.defaultRegistry().create(Target.parse(target))) {
      Optional<AlterOpLayout.Proposal> proposal = impl.equals("prepacked")
          ? backend.lowering().alterOpLayout(op, attrs, shapes, List.of(DType.F32, DType.F32)) : Optional.empty();
      if (impl.equals("prepacked") && proposal.isEmpty()) System.out.println(layer + ": no proposal, the NCHW compute at opt level 3 too");
      if (proposal.isPresent()) {
        AlterOpLayout.Proposal p = proposal.get();
        List<Shape> packed = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
          AlterOpLayout.Change ch = p.inputs().get(i);
          packed.add(Shape.of(Layout.transformShape(Layout.parse(ch.from()), Layout.parse(ch.to()), shapes.get(i).toArray())));
        }
        shapes = packed;
        op = p.op();
        attrs = p.attrs();
        System.out.println(layer + ": " + op + " " + p.attrs());
      }
      List<Tensor> args = List.of(Te.placeholder(Te.shape(shapes.get(0).toArray()), DType.F32, "data"),
          Te.placeholder(Te.shape(shapes.get(1).toArray()), DType.F32, "weight"));
      Tensor out = impl.equals("generic")
          ? Conv2d.nchw(args.get(0), args.get(1), new Conv2d.Params(new int[] {c[3], c[3]}, new int[] {1, 1}, new int[] {1, 1}, c[1]), op)
          : backend.lowering().compute(op, attrs, args).orElseThrow().get(0);
      System.out.println(layer + ": " + flops + " flops");
      k = Kernels.compileGroup(target, backend, args, out, op, layer);
    }
  }

  @TearDown public void tearDown() { k.close(); }

  @Benchmark public void run() { k.run(); }
}
