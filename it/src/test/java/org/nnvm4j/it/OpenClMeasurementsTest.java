package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
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
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.topi.Nn;

/**
 * The figures of the OpenCL local-memory schedules (printed, never asserted: speed is for benchmarks): the
 * test CNN on opencl against llvm at opt 0 and 3, and dense 256 and softmax on opencl under the schedules of
 * {@code OpenClSchedules} against the one-work-item-per-output schedule they replace, by device time from
 * the kernels' profiling events. What is asserted is that both schedules compute the same values.
 */
@Tag("gpu")
class OpenClMeasurementsTest {
  @BeforeAll
  static void needsAnOpenClDevice() {
    Availability a = BackendRegistry.defaultRegistry().provider("opencl").availability();
    org.junit.jupiter.api.Assumptions.assumeTrue(a.canRun(), a.reason());
  }

  @Test
  void theTestCnnOnOpenClAndLlvm() {
    CnnModels.Model model = CnnModels.convNet();
    StringBuilder line = new StringBuilder("convNet median latency (41 runs after 20 warm-up), " + load() + ":");
    for (String target : List.of("opencl", "llvm")) {
      for (int opt : new int[] {0, 3}) {
        Device dev = target.equals("opencl") ? Device.opencl(0) : Device.cpu(0);
        try (CompiledGraph g = Compiler.build(model.graph(), target, Map.of("x", model.input()), Map.of(), DType.F32,
            model.newParams(3), Compiler.buildConfig(opt, Set.of())); NDArray x = CnnModels.input(model.input(), 2);
             GraphModule m = GraphModule.create(g, dev)) {
          m.setInput("x", x);
          line.append(String.format(" %s opt%d %.1f us;", target, opt, CnnMeasurementsTest.medianMicros(m, 20, 41)));
        }
      }
    }
    System.out.println(line);
  }

  @Test
  void dense256AndSoftmaxBeforeAndAfterTheLocalMemorySchedules() {
    Tensor a = Te.placeholder(Te.shape(256, 256), DType.F32, "A");
    Tensor w = Te.placeholder(Te.shape(256, 256), DType.F32, "W");
    compare("dense 256x256x256", List.of(a, w), Nn.dense(a, w, "D"), "out_elemwise_fusable", 256 * 4 * Math.ulp(1f));
    Tensor x = Te.placeholder(Te.shape(64, 1000), DType.F32, "X");
    compare("softmax 64x1000", List.of(x), Nn.softmax(x, 1, false, "Y"), "opaque", 1e-6);
    Tensor big = Te.placeholder(Te.shape(8, 65536), DType.F32, "X");
    compare("softmax 8x65536", List.of(big), Nn.softmax(big, 1, false, "Y"), "opaque", 1e-6);
  }

  /** Runs {@code out} under both schedules on the same inputs; prints the median device times and checks the outputs agree. */
  private static void compare(String what, List<Tensor> inputs, Tensor out, String pattern, double atol) {
    List<Tensor> args = new ArrayList<>(inputs);
    args.add(out);
    try (Backend backend = BackendRegistry.defaultRegistry().create(Target.parse("opencl"))) {
      int block = (Integer) backend.target().attrs().get("max_num_threads");
      ScheduleRequest req = new ScheduleRequest(List.of(out), pattern, what, Map.of());
      PrimFunc after = Lower.lower(backend.lowering().schedule(req), args, "after");
      PrimFunc before = Lower.lower(oneWorkItemPerOutput(req, block), args, "before");
      Runtime rt = backend.runtime();
      Random rnd = new Random(5);
      List<DeviceBuffer> bufs = new ArrayList<>();
      try (Module ma = backend.lowering().codegen(List.of(after), PassContext.defaults());
           Module mb = backend.lowering().codegen(List.of(before), PassContext.defaults())) {
        for (Tensor t : args) {
          long n = Arrays.stream(org.nnvm4j.tensor.topi.Topi.constShape(t, "measure")).reduce(1, (p, q) -> p * q);
          float[] v = new float[(int) n];
          for (int i = 0; i < v.length; i++) v[i] = rnd.nextFloat() * 2 - 1;
          DeviceBuffer d = rt.allocate(Device.opencl(0), 4 * n);
          rt.copyFromHost(java.lang.foreign.MemorySegment.ofArray(v), d);
          bufs.add(d);
        }
        ModuleFunction fa = ma.function("after");
        ModuleFunction fb = mb.function("before");
        double ta = deviceMicros(fa, bufs, 3, 15);
        float[] ya = read(rt, bufs.getLast());
        double tb = deviceMicros(fb, bufs, 3, 15);
        float[] yb = read(rt, bufs.getLast());
        for (int i = 0; i < ya.length; i++) assertThat(ya[i]).as("%s[%d]", what, i).isCloseTo(yb[i], within((float) (1e-5 * Math.abs(yb[i]) + atol)));
        System.out.printf("%s on opencl, median device time of 15 runs, %s: one work-item per output %.1f us, local-memory schedule %.1f us (%.2fx)%n",
            what, load(), tb, ta, tb / ta);
      } finally {
        bufs.forEach(DeviceBuffer::close);
      }
    }
  }

  /** The schedule the opencl backend had before local memory: injective stages inlined, every other one fused, split and bound. */
  private static Schedule oneWorkItemPerOutput(ScheduleRequest req, int block) {
    Schedule s = Schedule.create(req.outputs().stream().map(Tensor::op).toList());
    for (Stage st : s.stages()) {
      if (!(st.op() instanceof ComputeOp c)) continue;
      if (!req.outputs().contains(c.output(0)) && c.reduceAxis().isEmpty()) {
        st.computeInline();
        continue;
      }
      IterVar f = st.axis().get(0);
      for (int i = 1; i < st.axis().size(); i++) f = st.fuse(f, st.axis().get(i));
      IterVar[] io = st.split(f, block);
      st.bind(io[0], "blockIdx.x").bind(io[1], "threadIdx.x");
    }
    return s;
  }

  private static double deviceMicros(ModuleFunction f, List<DeviceBuffer> bufs, int warmup, int runs) {
    double[] t = new double[runs];
    for (int i = 0; i < warmup + runs; i++) {
      f.call(bufs, new long[0]);
      double ms = OpenClBackend.lastDeviceMillis(f);
      if (i >= warmup) t[i - warmup] = ms * 1e3;
    }
    Arrays.sort(t);
    return t[runs / 2];
  }

  private static float[] read(Runtime rt, DeviceBuffer b) {
    float[] v = new float[(int) (b.byteSize() / 4)];
    rt.copyToHost(b, java.lang.foreign.MemorySegment.ofArray(v));
    return v;
  }

  /** The 1-minute load average, for the figures' context. */
  static String load() {
    try {
      return "load " + Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "load unknown";
    }
  }
}
