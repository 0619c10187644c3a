package org.nnvm4j.it.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Target;
import org.nnvm4j.graph.pass.AlterOpLayout;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
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
 * dense 1024^3 and every distinct conv2d layer of ResNet-18 (batch 1, 224x224), each compiled through the
 * llvm backend's own strategy as the graph compiler uses it ({@code Lowering.compute} then
 * {@code Lowering.schedule} on a {@link ScheduleRequest}), with FMA contraction, at 1 and 2 threads, with the
 * weight prepacked (the op the backend proposes to AlterOpLayout at opt level 3) or packed in the kernel.
 * The FLOPs of each layer are printed at setup; GFLOP/s = flops / (ms * 1e6). Layer names:
 * {@code l<stage>_<kernel>[s2]} is the ResNet stage's conv (s2: stride 2, 1x1: the downsample projection).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class X86StrategyBenchmark {
  /** {in channels, out channels, input size, kernel, stride, padding} per ResNet-18 conv layer. */
  static final Map<String, int[]> CONVS = Map.ofEntries(
      Map.entry("conv1", new int[] {3, 64, 224, 7, 2, 3}),
      Map.entry("l1_3x3", new int[] {64, 64, 56, 3, 1, 1}),
      Map.entry("l2_3x3s2", new int[] {64, 128, 56, 3, 2, 1}),
      Map.entry("l2_1x1s2", new int[] {64, 128, 56, 1, 2, 0}),
      Map.entry("l2_3x3", new int[] {128, 128, 28, 3, 1, 1}),
      Map.entry("l3_3x3s2", new int[] {128, 256, 28, 3, 2, 1}),
      Map.entry("l3_1x1s2", new int[] {128, 256, 28, 1, 2, 0}),
      Map.entry("l3_3x3", new int[] {256, 256, 14, 3, 1, 1}),
      Map.entry("l4_3x3s2", new int[] {256, 512, 14, 3, 2, 1}),
      Map.entry("l4_1x1s2", new int[] {256, 512, 14, 1, 2, 0}),
      Map.entry("l4_3x3", new int[] {512, 512, 7, 3, 1, 1}));

  @Param({"dense1024", "conv1", "l1_3x3", "l2_3x3s2", "l2_1x1s2", "l2_3x3", "l3_3x3s2", "l3_1x1s2", "l3_3x3", "l4_3x3s2",
      "l4_1x1s2", "l4_3x3"})
  String layer;
  @Param({"1", "2"}) int threads;
  /**
   * {@code prepacked}: the op AlterOpLayout makes of the layer (conv2d_NCHWc on NCHW{c}c data with the
   * weight packed at build time, dense_pack), so the time excludes weight packing and the data arrives in
   * the blocked layout the previous layer wrote; {@code inkernel}: conv2d/dense on NCHW data, packing the
   * weight on every call (opt level 2 and below).
   */
  @Param({"prepacked", "inkernel"}) String weights;
  Kernels.Compiled k;

  @Setup
  public void setup() {
    String target = "llvm -fp-contract=fast -num-threads=" + threads;
    List<Tensor> args = new ArrayList<>();
    Tensor out;
    long flops;
    String op;
    try (Backend backend = BackendRegistry.defaultRegistry().create(Target.parse(target))) {
      List<Shape> shapes;
      Map<String, String> attrs;
      if (layer.equals("dense1024")) {
        int n = 1024;
        shapes = List.of(Shape.of(n, n), Shape.of(n, n));
        op = "dense";
        attrs = Map.of("units", Integer.toString(n));
        flops = 2L * n * n * n;
      } else {
        int[] c = CONVS.get(layer);
        int o = (c[2] + 2 * c[5] - c[3]) / c[4] + 1;
        shapes = List.of(Shape.of(1, c[0], c[2], c[2]), Shape.of(c[1], c[0], c[3], c[3]));
        op = "conv2d";
        attrs = Map.of("channels", Integer.toString(c[1]), "kernel_size", "(" + c[3] + ", " + c[3] + ")",
            "strides", "(" + c[4] + ", " + c[4] + ")", "padding", "(" + c[5] + ", " + c[5] + ")");
        flops = 2L * c[1] * c[0] * c[3] * c[3] * o * o;
      }
      if (weights.equals("prepacked")) {
        AlterOpLayout.Proposal p = backend.lowering().alterOpLayout(op, attrs, shapes, List.of(DType.F32, DType.F32)).orElseThrow();
        List<Shape> packed = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
          AlterOpLayout.Change ch = p.inputs().get(i);
          packed.add(ch == null ? shapes.get(i)
              : Shape.of(Layout.transformShape(Layout.parse(ch.from()), Layout.parse(ch.to()), shapes.get(i).toArray())));
        }
        shapes = packed;
        op = p.op();
        attrs = p.attrs();
        System.out.println(layer + ": " + op + " " + p.attrs());
      }
      args.add(Te.placeholder(Te.shape(shapes.get(0).toArray()), DType.F32, "data"));
      args.add(Te.placeholder(Te.shape(shapes.get(1).toArray()), DType.F32, "weight"));
      out = backend.lowering().compute(op, attrs, args).orElseThrow().get(0);
      System.out.println(layer + ": " + flops + " flops");
      k = Kernels.compileGroup(target, backend, args, out, op, layer);
    }
  }

  @TearDown public void tearDown() { k.close(); }

  @Benchmark public void run() { k.run(); }
}
