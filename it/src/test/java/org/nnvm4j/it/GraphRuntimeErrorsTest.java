package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.Device;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** Bad inputs to the graph runtime fail in Java with clear messages; nothing reaches native code. */
class GraphRuntimeErrorsTest {
  CompiledGraph cg;
  GraphModule m;

  @BeforeEach
  void compile() {
    Graph g = Graph.create(Symbol.elemwiseAdd(Symbol.variable("x"), Symbol.variable("y")));
    cg = Compiler.build(g, "llvm", Map.of("x", Shape.of(4)), DType.F32);
    m = GraphModule.create(cg.deployGraphJson(), cg.module(), Device.cpu(0));
    m.setInput("x", new float[] {1, 2, 3, 4}).setInput("y", new float[] {1, 1, 1, 1});
  }

  @AfterEach
  void close() {
    m.close();
    cg.close();
  }

  @Test
  void wrongShape() {
    try (NDArray bad = NDArray.of(new float[] {1, 2, 3, 4, 5, 6}, Shape.of(2, 3))) {
      assertThatThrownBy(() -> m.setInput("x", bad)).isInstanceOf(CompileException.class)
          .hasMessageContaining("input 'x' is float32 [4], got float32 [2, 3]");
    }
    assertThatThrownBy(() -> m.setInput("x", new float[5])).isInstanceOf(CompileException.class)
        .hasMessageContaining("input 'x' has shape [4] (4 elements), got 5 values");
  }

  @Test
  void wrongDtype() {
    try (NDArray bad = NDArray.of(new int[] {1, 2, 3, 4}, Shape.of(4))) {
      assertThatThrownBy(() -> m.setInput("y", bad)).isInstanceOf(CompileException.class)
          .hasMessageContaining("input 'y' is float32 [4], got int32 [4]");
    }
  }

  @Test
  void unknownInputName() {
    assertThatThrownBy(() -> m.setInput("w", new float[4])).isInstanceOf(CompileException.class)
        .hasMessageContaining("the graph has no input 'w'; its inputs are [x, y]");
    assertThatThrownBy(() -> m.setInput(2, NDArray.of(1f, 2f, 3f, 4f))).isInstanceOf(CompileException.class)
        .hasMessageContaining("input index 2 out of range");
  }

  @Test
  void closedArraysAndModules() {
    NDArray a = NDArray.of(1f, 2f, 3f, 4f);
    a.close();
    a.close(); // idempotent
    assertThatThrownBy(() -> m.setInput("x", a)).isInstanceOf(IllegalStateException.class).hasMessage("NDArray has been closed");
    m.run();
    try (NDArray out = m.getOutput(0)) {
      assertThat(out.toFloatArray()).containsExactly(2, 3, 4, 5); // the failed calls changed nothing
    }
    m.close();
    assertThatThrownBy(m::run).isInstanceOf(IllegalStateException.class).hasMessage("GraphModule has been closed");
  }

  @Test
  void shapeMismatchInTheGraphNamesNodeOpAndBothShapes() {
    Graph g = Graph.create(Symbol.create("elemwise_add", "sum", Map.of(), Symbol.variable("p"), Symbol.variable("q")));
    assertThatThrownBy(() -> Compiler.build(g, "llvm", Map.of("p", Shape.of(4), "q", Shape.of(5)), DType.F32))
        .isInstanceOf(CompileException.class)
        .hasMessageContaining("node 'sum'").hasMessageContaining("op 'elemwise_add'")
        .hasMessageContaining("[4]").hasMessageContaining("[5]");
  }

  @Test
  void unknownOpsAndAttributesAreNamed() {
    assertThatThrownBy(() -> Symbol.create("conv9d", Map.of(), Symbol.variable("x")))
        .isInstanceOf(CompileException.class).hasMessageContaining("unknown op 'conv9d'");
    assertThatThrownBy(() -> Symbol.create("relu", "r1", Map.of("alpha", "0.1"), Symbol.variable("x")))
        .isInstanceOf(CompileException.class).hasMessageContaining("op relu has no attribute 'alpha'")
        .hasMessageContaining("node 'r1'");
  }
}
