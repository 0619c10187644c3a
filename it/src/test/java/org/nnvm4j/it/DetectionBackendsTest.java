package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.backend.ScheduleRequest;
import org.nnvm4j.backend.Target;
import org.nnvm4j.backend.opencl.OpenClBackend;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.topi.Detection;
import org.nnvm4j.tensor.topi.DetectionGpu;

/**
 * get_valid_counts feeding non_max_suppression, multibox_prior, yolo_reorg and roi_pool, compiled by every backend that runs here
 * (the GPU backends with the thread-bound DetectionGpu form of the two detection ops, the llvm backend with the sequential one),
 * against the same graph run by the TIR interpreter backend with the sequential kernels (which ir-tensor's DetectionTest checks
 * against a plain-Java NMS). Outputs must agree exactly, except multibox_prior's float arithmetic: |a - d| <= 1e-5 + 1e-4 |d|.
 */
class DetectionBackendsTest {
  /** The interpreter's output per case name, computed once for all backends (the large NMS cases take it seconds). */
  private static final Map<String, float[]> REFERENCES = new ConcurrentHashMap<>();

  static NDArray boxes(long seed, int batch, int n) {
    Random r = new Random(seed);
    float[] d = new float[batch * n * 6];
    for (int i = 0; i < batch * n; i++) {
      float x = r.nextInt(10), y = r.nextInt(10);
      float[] row = {r.nextInt(3) - (r.nextInt(9) == 0 ? 1 : 0), r.nextInt(8) / 8f, x, y, x + 1 + r.nextInt(7), y + 1 + r.nextInt(7)};
      System.arraycopy(row, 0, d, i * 6, 6);
    }
    return NDArray.of(d, Shape.of(batch, n, 6));
  }

  static NDArray uniform(long seed, long... shape) {
    NDArray a = NDArray.allocate(DType.F32, Shape.of(shape));
    Random r = new Random(seed);
    for (int i = 0; i < a.numElements(); i++) a.setDouble(i, r.nextDouble() * 2 - 1);
    return a;
  }

  static List<BackendCase> cases() {
    List<BackendCase> out = new ArrayList<>();
    String[][] attrs = {{"0.5", "False", "-1", "-1", "False"}, {"0.3", "True", "5", "-1", "True"}, {"0.6", "False", "-1", "3", "True"},
        {"0.0", "False", "2", "1", "False"}};
    int[][] sizes = {{1, 1}, {2, 17}, {3, 40}};
    for (int[] bn : sizes) {
      for (String[] a : attrs) out.add(nms(bn[0], bn[1], a));
    }
    // Many boxes (8 distinct scores: ties everywhere): more rows than a work-group has work-items, and sizes the
    // default 256 work-items do not divide.
    String[][] many = {{"0.5", "False", "-1", "-1", "False"}, {"0.45", "True", "-1", "100", "True"}, {"0.7", "False", "300", "-1", "True"},
        {"0.3", "True", "-1", "-1", "False"}};
    out.add(nms(2, 1000, many[0]));
    out.add(nms(3, 1000, many[1]));
    out.add(nms(1, 2500, many[2]));
    out.add(nms(2, 2500, many[3]));
    Symbol x = Symbol.variable("x");
    out.add(new BackendCase("multibox_prior clip", Symbol.create("multibox_prior", Map.of("sizes", "(0.4, 0.7)", "ratios", "(1, 2, 0.5)",
        "clip", "True"), x), Map.of("x", uniform(1, 1, 8, 5, 7))));
    out.add(new BackendCase("multibox_prior steps", Symbol.create("multibox_prior", Map.of("sizes", "(1.3,)", "steps", "(0.1, 0.2)",
        "offsets", "(0.25, 0)"), x), Map.of("x", uniform(2, 2, 3, 9, 4))));
    out.add(new BackendCase("yolo_reorg 2", Symbol.create("yolo_reorg", Map.of("stride", "2"), x), Map.of("x", uniform(3, 2, 5, 26, 14))));
    out.add(new BackendCase("yolo_reorg 3", Symbol.create("yolo_reorg", Map.of("stride", "3"), x), Map.of("x", uniform(4, 1, 3, 9, 27))));
    Symbol rois = Symbol.variable("rois");
    float[] r = {0, 1.2f, 2.7f, 9.9f, 12.1f, 1, -3, -2, 4, 5, 1, 20, 20, 40, 40, 0, 3, 3, 3.2f, 3.1f, 1, 0, 0, 30, 30, 0, 8.4f, 1, 17, 11};
    NDArray ri = NDArray.of(r, Shape.of(6, 5));
    out.add(new BackendCase("roi_pool 3x2", Symbol.create("roi_pool", Map.of("pooled_size", "(3, 2)"), x, rois),
        Map.of("x", uniform(5, 2, 4, 17, 19), "rois", ri)));
    out.add(new BackendCase("roi_pool 7x7 scale 0.5", Symbol.create("roi_pool", Map.of("pooled_size", "7", "spatial_scale", "0.5"), x, rois),
        Map.of("x", uniform(6, 2, 3, 16, 16), "rois", ri)));
    return out;
  }

  /** get_valid_counts (score threshold 0.1) feeding non_max_suppression with attributes {@code a} over {@code batch x n} boxes. */
  static BackendCase nms(int batch, int n, String[] a) {
    Symbol x = Symbol.variable("x");
    Symbol gvc = Symbol.create("get_valid_counts", Map.of("score_threshold", "0.1"), x);
    Symbol nms = Symbol.create("non_max_suppression", Map.of("iou_threshold", a[0], "force_suppress", a[1], "top_k", a[2],
        "max_output_size", a[3], "invalid_to_bottom", a[4]), gvc.get(1), gvc.get(0));
    return new BackendCase(String.format("nms %dx%d iou %s force %s top_k %s max %s bottom %s", batch, n, a[0], a[1], a[2], a[3], a[4]),
        nms, Map.of("x", boxes(7L * n + batch, batch, n)));
  }

  static Stream<Arguments> matrix() { return BackendCase.matrix(cases()); }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("matrix")
  void sameBoxesAsTheInterpreter(String kind, BackendCase c) {
    Device device = BackendCase.deviceOf(kind);
    float[] reference = REFERENCES.computeIfAbsent(c.name(), k -> c.reference());
    float[] actual = c.run(kind, device);
    // The anchors are float arithmetic that a GPU compiler may contract into FMAs; the rest moves or compares values.
    if (c.name().startsWith("multibox_prior")) SmallCnnTest.assertClose(actual, reference, kind + " " + c.name());
    else assertThat(actual).as("%s %s", kind, c).containsExactly(reference);
  }

  /**
   * The figure of the GPU form (printed, never asserted: speed is for benchmarks): non_max_suppression of 1x2500x6
   * boxes, all valid, by the DetectionGpu kernels on opencl (device time from the kernels' profiling events) and by
   * the sequential kernel on llvm (wall time of the call), median of 9 runs after 2; on two inputs, the test's boxes
   * (8 scores, heavy overlap: few kept boxes) and boxes spread over a 1000x1000 image with distinct scores (most
   * kept: a barrier per kept box). What is asserted is that both give the same boxes.
   */
  @Test
  @Tag("gpu")
  void nms2500DeviceTimeOnOpenClAgainstLlvm() {
    Availability a = BackendRegistry.defaultRegistry().provider("opencl").availability();
    assumeTrue(a.canRun(), a.reason());
    Detection.NmsParams p = new Detection.NmsParams(0.5, false, -1, -1, new Detection.BoxLayout(2, 1, 0), false);
    int n = 2500;
    Random r = new Random(11);
    float[] spread = new float[n * 6];
    for (int i = 0; i < n; i++) {
      float x = r.nextFloat() * 1000, y = r.nextFloat() * 1000;
      float[] row = {r.nextInt(3), (i + 0.5f) / n, x, y, x + 5 + r.nextFloat() * 40, y + 5 + r.nextFloat() * 40};
      System.arraycopy(row, 0, spread, i * 6, 6);
    }
    Map<String, float[]> inputs = new java.util.LinkedHashMap<>();
    try (NDArray b = boxes(5, 1, n)) {
      inputs.put("overlapping boxes", b.toFloatArray());
    }
    inputs.put("spread boxes", spread);
    StringBuilder line = new StringBuilder("non_max_suppression 1x2500x6 (iou 0.5, all valid), median of 9 runs, "
        + OpenClMeasurementsTest.load() + ":");
    inputs.forEach((what, data) -> {
      float[] gpu = runNms("opencl", p, data, n, line.append(' ').append(what).append(':'));
      float[] seq = runNms("llvm", p, data, n, line);
      assertThat(gpu).as(what).containsExactly(seq);
    });
    System.out.println(line);
  }

  /** Runs non_max_suppression of {@code data [1, n, 6]} on {@code target}, appends its time to {@code line}; returns the boxes. */
  private static float[] runNms(String target, Detection.NmsParams p, float[] data, int n, StringBuilder line) {
    try (Backend backend = BackendRegistry.defaultRegistry().create(Target.parse(target))) {
      Tensor x = Te.placeholder(Te.shape(1, n, 6), DType.F32, "x");
      Tensor v = Te.placeholder(Te.shape(1), DType.I32, "v");
      boolean gpu = target.equals("opencl");
      Tensor o = gpu ? DetectionGpu.nonMaxSuppression(x, v, p, (Integer) backend.target().attrs().get("max_num_threads"), "nms")
          : Detection.nonMaxSuppression(x, v, p, "nms");
      PrimFunc f = Lower.lower(backend.lowering().schedule(new ScheduleRequest(List.of(o), "opaque", "non_max_suppression", Map.of())),
          List.of(x, v, o), "nms");
      Runtime rt = backend.runtime();
      Device dev = gpu ? Device.opencl(0) : Device.cpu(0);
      try (Module m = backend.lowering().codegen(List.of(f), PassContext.defaults());
           DeviceBuffer in = rt.allocate(dev, 4L * data.length); DeviceBuffer vc = rt.allocate(dev, 4);
           DeviceBuffer out = rt.allocate(dev, 4L * data.length)) {
        rt.copyFromHost(MemorySegment.ofArray(data), in);
        rt.copyFromHost(MemorySegment.ofArray(new int[] {n}), vc);
        ModuleFunction fn = m.function("nms");
        double[] t = new double[9];
        for (int i = 0; i < 11; i++) {
          long t0 = System.nanoTime();
          fn.call(List.of(in, vc, out), new long[0]);
          double ms = gpu ? OpenClBackend.lastDeviceMillis(fn) : (System.nanoTime() - t0) / 1e6;
          if (i >= 2) t[i - 2] = ms;
        }
        Arrays.sort(t);
        line.append(String.format(" %s %.2f ms%s", target, t[4], gpu ? " (device)," : " (wall);"));
        float[] y = new float[data.length];
        rt.copyToHost(out, MemorySegment.ofArray(y));
        return y;
      }
    }
  }
}
