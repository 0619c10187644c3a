package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Device;
import org.nnvm4j.graph.format.ParamsBlob;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** The graph runtime's params blob, shared params, zero-copy input, debug run and profile, and a saved compiled graph. */
class GraphModuleFeaturesTest {
  private static CnnModels.Model model;
  private static CompiledGraph compiled;
  private static NDArray x;
  private static float[] expected;

  @BeforeAll
  static void compile() {
    model = CnnModels.convNet();
    compiled = Compiler.build(model.graph(), "llvm", Map.of("x", model.input()), Map.of(), DType.F32, model.newParams(5),
        Compiler.buildConfig(3, Set.of()));
    x = CnnModels.input(model.input(), 11);
    try (GraphModule m = GraphModule.create(compiled, Device.cpu(0))) {
      m.setInput("x", x).run();
      try (NDArray out = m.getOutput(0)) {
        expected = out.toFloatArray();
      }
    }
  }

  @AfterAll
  static void close() {
    compiled.close();
    x.close();
  }

  private static float[] output(GraphModule m) {
    try (NDArray out = m.getOutput(0)) {
      return out.toFloatArray();
    }
  }

  @Test
  void loadParamsFromTheBlobGivesTheSameOutput() {
    byte[] blob = ParamsBlob.save(compiled.params());
    try (GraphModule m = GraphModule.create(compiled.deployGraphJson(), compiled.module(), Device.cpu(0))) {
      m.loadParams(blob).setInput("x", x).run();
      assertThat(output(m)).containsExactly(expected);
    }
  }

  @Test
  void sharedParamsAreReadFromTheOtherModule() {
    byte[] blob = ParamsBlob.save(compiled.params());
    try (GraphModule owner = GraphModule.create(compiled, Device.cpu(0));
         GraphModule borrower = GraphModule.create(compiled.deployGraphJson(), compiled.module(), Device.cpu(0))) {
      borrower.shareParams(owner, blob).setInput("x", x).run();
      assertThat(output(borrower)).containsExactly(expected);
      owner.close();
      assertThatThrownBy(borrower::run).isInstanceOf(IllegalStateException.class).hasMessage("DeviceBuffer has been closed");
    }
  }

  @Test
  void shareParamsChecksNamesAndShapes() {
    try (NDArray wrong = NDArray.allocate(DType.F32, Shape.of(3));
         GraphModule a = GraphModule.create(compiled, Device.cpu(0));
         GraphModule b = GraphModule.create(compiled, Device.cpu(0))) {
      assertThatThrownBy(() -> a.shareParams(b, ParamsBlob.save(Map.of("nope", wrong)))).isInstanceOf(CompileException.class)
          .hasMessageStartingWith("the graph has no input 'nope'; its inputs are [x, ");
    }
  }

  @Test
  void zeroCopyInputIsReadWhereItLies() {
    try (GraphModule m = GraphModule.create(compiled, Device.cpu(0)); NDArray in = NDArray.allocate(DType.F32, model.input())) {
      m.setInputZeroCopy("x", in);
      in.copyFrom(x);
      m.run();
      assertThat(output(m)).containsExactly(expected);
      in.copyFrom(new float[(int) model.input().numElements()]);
      m.run();
      assertThat(output(m)).isNotEqualTo(expected);
      try (NDArray small = NDArray.allocate(DType.F32, Shape.of(3))) {
        assertThatThrownBy(() -> m.setInputZeroCopy("x", small)).isInstanceOf(CompileException.class)
            .hasMessage("input 'x' is float32 [1, 3, 16, 16], got float32 [3] (node 'x')");
      }
    }
  }

  @Test
  void debugRunReturnsEveryFusedNodesOutputAndProfileCountsCalls() {
    try (GraphModule m = GraphModule.create(compiled, Device.cpu(0))) {
      m.setInput("x", x);
      Map<String, NDArray> all = m.runDebug();
      try {
        List<String> ops = compiled.deployGraph().nodes().stream().filter(n -> !n.isVariable()).map(n -> n.name()).toList();
        assertThat(all.keySet()).containsExactlyElementsOf(ops);
        assertThat(all.get(ops.get(ops.size() - 1)).toFloatArray()).containsExactly(expected);
        for (NDArray a : all.values()) assertThat(a.toFloatArray()).as("a node output").doesNotContain(Float.NaN);
      } finally {
        all.values().forEach(NDArray::close);
      }
      m.setProfiling(true);
      for (int i = 0; i < 3; i++) m.run();
      List<GraphModule.OpProfile> p = m.profile();
      // Opt level 3: AlterOpLayout runs the conv (and CorrectLayout the pool) on NCHW{c}c blocks; transforms sit at the boundaries.
      assertThat(p).extracting(GraphModule.OpProfile::function).containsExactly("fuse_layout_transform",
          "fuse_conv2d_NCHWc_broadcast_add_relu", "fuse_max_pool2d", "fuse_layout_transform_flatten", "fuse_dense", "fuse_softmax");
      assertThat(p).allSatisfy(o -> {
        assertThat(o.calls()).isEqualTo(3);
        assertThat(o.totalNanos()).isPositive();
      });
    }
  }

  @Test
  void savedFolderRunsInAFreshModule(@TempDir Path dir) {
    compiled.save(dir);
    assertThat(dir.resolve(CompiledGraph.GRAPH_FILE)).exists();
    try (CompiledGraph loaded = CompiledGraph.load(dir); GraphModule m = GraphModule.create(loaded, Device.cpu(0))) {
      assertThat(loaded.deployGraphJson()).isEqualTo(compiled.deployGraphJson());
      assertThat(loaded.params().keySet()).isEqualTo(compiled.params().keySet());
      m.setInput("x", x).run();
      assertThat(output(m)).containsExactly(expected);
    }
  }

  @Test
  void loadingAnIncompleteFolderNamesTheMissingFile(@TempDir Path dir) throws Exception {
    compiled.save(dir);
    Files.delete(dir.resolve(CompiledGraph.PARAMS_FILE));
    assertThatThrownBy(() -> CompiledGraph.load(dir)).isInstanceOf(CompileException.class)
        .hasMessage("a saved compiled graph needs deploy_param.params (file '" + dir.resolve(CompiledGraph.PARAMS_FILE) + "')");
    Files.delete(dir.resolve(CompiledGraph.GRAPH_FILE));
    assertThatThrownBy(() -> CompiledGraph.load(dir)).hasMessageStartingWith("a saved compiled graph needs deploy_graph.json");
  }
}
