package org.nnvm4j.graph.pass;

import java.util.Map;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.tensor.Shape;

/** Infers the shape of every entry from the input shapes (graph attribute {@link Graph#SHAPE}). */
public final class InferShape {
  public static final PassInfo INFO = new PassInfo("graph.infer-shape", "Infer the shape of every entry", 0);

  /** The shapes of the inputs, by variable name. */
  public record Config(Map<String, Shape> inputShapes) {
    public static final Config DEFAULT = new Config(Map.of());

    public Config { inputShapes = Map.copyOf(inputShapes); }
  }

  private InferShape() {}

  public static Graph apply(Graph g, Map<String, Shape> inputShapes) {
    Shape[] shapes = new EntryInference<Shape>("shape", Shape[]::new).run(g, inputShapes,
        (n, in) -> n.op().inferShape().infer(n.attrs(), in),
        (n, k) -> (n.isVariable() ? "input '" : "node '") + n.name() + "'" + (n.numOutputs() > 1 ? " output " + k : ""));
    return g.withAttr(Graph.SHAPE, shapes);
  }

  public static Pass<Graph> pass() {
    return Pass.of(INFO, Graph.class, (g, ctx) -> apply(g, ctx.config(INFO.name(), Config.class, Config.DEFAULT).inputShapes()));
  }
}
