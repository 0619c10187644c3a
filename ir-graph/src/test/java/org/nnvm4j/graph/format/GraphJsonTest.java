package org.nnvm4j.graph.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.graph.pass.InferType;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;

/** Graph JSON in NNVM's format: the exact text, and load(save(g)) has the same IR and attributes. */
class GraphJsonTest {
  private static Graph convRelu() {
    Symbol x = Symbol.variable("x");
    Symbol c = Symbol.create("conv2d", "conv", Map.of("channels", "2", "kernel_size", "(1, 1)", "use_bias", "False"), x,
        Symbol.variable("w"));
    return Graph.create(Symbol.create("relu", "act", Map.of(), c));
  }

  @Test
  void savesNnvmJson() {
    Graph g = InferType.apply(InferShape.apply(convRelu(), Map.of("x", Shape.of(1, 3, 4, 4))), InferType.Config.DEFAULT);
    assertThat(GraphJson.save(g)).isEqualToIgnoringWhitespace("""
        {"nodes": [
          {"op": "null", "name": "x", "inputs": []},
          {"op": "null", "name": "w", "inputs": []},
          {"op": "conv2d", "name": "conv", "attrs": {"channels": "2", "kernel_size": "(1, 1)", "strides": "(1, 1)",
            "padding": "(0, 0)", "dilation": "(1, 1)", "groups": "1", "layout": "NCHW", "kernel_layout": "OIHW",
            "use_bias": "False"}, "inputs": [[0, 0, 0], [1, 0, 0]]},
          {"op": "relu", "name": "act", "inputs": [[2, 0, 0]]}],
         "arg_nodes": [0, 1],
         "node_row_ptr": [0, 1, 2, 3, 4],
         "heads": [[3, 0, 0]],
         "attrs": {"shape": ["list_shape", [[1, 3, 4, 4], [2, 3, 1, 1], [1, 2, 4, 4], [1, 2, 4, 4]]],
                   "dtype": ["list_int", [0, 0, 0, 0]]}}""");
  }

  @Test
  void loadOfSaveKeepsIrAndAttributes() {
    Graph g = InferType.apply(InferShape.apply(convRelu(), Map.of("x", Shape.of(1, 3, 4, 4))), InferType.Config.DEFAULT);
    Graph back = GraphJson.load(GraphJson.save(g));
    assertThat(back.ir(List.of(Graph.SHAPE, Graph.DTYPE))).isEqualTo(g.ir(List.of(Graph.SHAPE, Graph.DTYPE)));
    assertThat(GraphJson.save(back)).isEqualTo(GraphJson.save(g));
    Graph plain = GraphJson.load(GraphJson.save(convRelu()));
    assertThat(plain.attrs()).isEmpty();
    assertThat(plain.ir()).isEqualTo(convRelu().ir());
  }

  @Test
  void readsOlderAttrKeysAndEntriesWithoutVersion() {
    Graph g = GraphJson.load("""
        {"nodes": [{"op": "null", "name": "a", "inputs": []},
                   {"op": "__add_scalar__", "name": "s", "attr": {"scalar": "2"}, "inputs": [[0, 0]]}],
         "arg_nodes": [0], "heads": [[1, 0]]}""");
    assertThat(g.ir()).isEqualTo("""
        Graph(%a) {
          %1 = __add_scalar__(%a, scalar='2')
          ret %1
        }""");
  }

  @Test
  void errorsNameTheProblem() {
    assertThatThrownBy(() -> GraphJson.load("{\"nodes\": [{\"op\": \"null\", \"name\": \"a\", \"inputs\": []},"
        + "{\"op\": \"foo\", \"name\": \"f\", \"inputs\": [[0,0,0]]}, {\"op\": \"bar\", \"name\": \"b\", \"inputs\": [[1,0,0]]}],"
        + "\"heads\": [[2,0,0]]}")).isInstanceOf(CompileException.class)
        .hasMessage("2 unknown ops in graph JSON\n  - node 'f': op foo\n  - node 'b': op bar");
    assertThatThrownBy(() -> GraphJson.load("{\"nodes\": [{\"op\": \"relu\", \"name\": \"r\", \"inputs\": [[3,0,0]]}], \"heads\": []}"))
        .hasMessage("graph JSON input [3, 0] does not name an earlier node (node 'r', op 'relu')");
    assertThatThrownBy(() -> GraphJson.load("{\"nodes\": [{\"op\": \"null\", \"name\": \"a\", \"inputs\": []}], \"heads\": [[0,1,0]]}"))
        .hasMessage("graph JSON reads output 1 of node 'a', which has 1");
    assertThatThrownBy(() -> GraphJson.load("{\"nodes\": [{\"op\": \"null\", \"name\": \"a\", \"inputs\": []}], \"heads\": [[4,0,0]]}"))
        .hasMessage("graph JSON head [4, 0] does not name a node");
    assertThatThrownBy(() -> GraphJson.load("{\"nodes\": []}")).hasMessage("graph JSON lacks 'heads' (attribute 'heads')");
    assertThatThrownBy(() -> GraphJson.load("{\"nodes\": [{\"op\": \"null\", \"name\": \"a\", \"inputs\": []}], \"heads\": [[0,0,0]],"
        + "\"attrs\": {\"shape\": [\"list_shape\", []]}}")).hasMessage("graph JSON attribute 'shape' has 0 values for 1 entries");
    assertThatThrownBy(() -> GraphJson.load("{\"nodes\": [{\"op\": \"null\", \"name\": \"a\", \"inputs\": []}], \"heads\": [[0,0,0]],"
        + "\"attrs\": {\"dtype\": [\"list_int\", [99]]}}")).hasMessage("graph JSON has type flag 99");
    assertThatThrownBy(() -> GraphJson.load("{nodes")).hasMessageStartingWith("graph JSON is not JSON: ");
    Graph vec = InferType.apply(convRelu(), new InferType.Config(Map.of(), org.nnvm4j.tensor.DType.F32.withLanes(4)));
    assertThatThrownBy(() -> GraphJson.save(vec)).hasMessage("dtype float32x4 has no NNVM type flag");
  }
}
