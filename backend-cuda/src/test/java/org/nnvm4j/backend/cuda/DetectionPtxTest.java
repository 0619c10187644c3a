package org.nnvm4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nnvm4j.backend.csource.KernelSplit;
import org.nnvm4j.graph.ops.VisionDetectOps;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * The thread-bound form of get_valid_counts and non_max_suppression that GPU backends take from
 * {@link VisionDetectOps#gpuCompute}, printed as CUDA C ({@link CudaSource}), compiled to PTX by nvcc and
 * accepted by ptxas for sm_80 (CUDA 13: nvcc and ptxas in /usr/local/cuda/bin). Skipped where either tool is missing.
 */
class DetectionPtxTest {
  static Path nvcc;
  static Path ptxas;

  @BeforeAll
  static void findTools() {
    nvcc = tool("nvcc");
    ptxas = tool("ptxas");
    assumeTrue(nvcc != null && ptxas != null, "nvcc and ptxas (CUDA toolkit) not found on PATH or in /usr/local/cuda/bin");
  }

  /** Both ops over [3, n, 6] boxes, n below, equal to and above the 256 threads of a block; every NMS mode. */
  @ParameterizedTest(name = "{0} boxes")
  @ValueSource(ints = {7, 256, 2500})
  void ptxasAcceptsBothOps(int n, @TempDir Path dir) throws IOException, InterruptedException {
    Tensor x = Te.placeholder(Te.shape(3, n, 6), DType.F32, "x");
    List<Tensor> gvc = gpu("get_valid_counts", Map.of("score_threshold", "0.1", "id_index", "0", "score_index", "1"), List.of(x));
    List<PrimFunc> fs = new ArrayList<>();
    fs.add(lower(List.of(x, gvc.get(0), gvc.get(1)), "get_valid_counts", gvc));
    String[][] modes = {{"-1", "-1", "False", "False"}, {"100", "10", "True", "True"}, {"5", "0", "False", "True"}};
    for (String[] m : modes) {
      Tensor v = Te.placeholder(Te.shape(3), DType.I32, "v");
      Map<String, String> attrs = Map.of("iou_threshold", "0.5", "force_suppress", m[2], "top_k", m[0], "max_output_size", m[1],
          "coord_start", "2", "score_index", "1", "id_index", "0", "invalid_to_bottom", m[3], "return_indices", "False");
      List<Tensor> nms = gpu("non_max_suppression", attrs, List.of(x, v));
      fs.add(lower(List.of(x, v, nms.get(0)), "nms" + fs.size(), nms));
    }
    for (PrimFunc f : fs) {
      KernelSplit.Result split = KernelSplit.split(f);
      String src = CudaSource.source(split);
      assertThat(src).contains("__syncthreads();").contains("blockIdx.x").contains("threadIdx.x");
      // the compactions (get_valid_counts, invalid_to_bottom) count into shared memory
      if (!f.name().equals("nms1")) assertThat(src).contains("__shared__ int32_t");
      Path cu = dir.resolve(f.name() + ".cu");
      Path ptx = dir.resolve(f.name() + ".ptx");
      Files.writeString(cu, src);
      run(List.of(nvcc.toString(), "-ptx", "-arch=sm_80", "-o", ptx.toString(), cu.toString()));
      String text = Files.readString(ptx);
      for (KernelSplit.Kernel k : split.kernels()) assertThat(text).contains(".visible .entry " + k.name() + "(");
      run(List.of(ptxas.toString(), "-arch=sm_80", "-o", dir.resolve(f.name() + ".cubin").toString(), ptx.toString()));
      assertThat(Files.size(dir.resolve(f.name() + ".cubin"))).isPositive();
    }
  }

  private static List<Tensor> gpu(String op, Map<String, String> attrs, List<Tensor> in) {
    Optional<List<Tensor>> out = VisionDetectOps.gpuCompute(op, attrs, in, 256);
    assertThat(out).as(op).isPresent();
    return out.get();
  }

  private static PrimFunc lower(List<Tensor> args, String name, List<Tensor> outs) {
    return Lower.lower(Schedule.create(outs.stream().map(Tensor::op).distinct().toList()), args, name);
  }

  private static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("%s failed:%n%s", String.join(" ", cmd), log).isZero();
  }

  private static Path tool(String name) {
    List<Path> dirs = new ArrayList<>();
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) if (!d.isEmpty()) dirs.add(Path.of(d));
    dirs.add(Path.of("/usr/local/cuda/bin"));
    return dirs.stream().map(d -> d.resolve(name)).filter(Files::isExecutable).findFirst().orElse(null);
  }
}
