package org.nnvm4j.graph.pass;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.graph.OpRegistry;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.tensor.Shape;

/**
 * Folds a per-output-channel scale into the convolution before it (the backward half of NNVM's
 * {@code FoldScaleAxis}): {@code broadcast_mul(conv2d(x, w, b), s)} with {@code s} of shape
 * {@code [C, 1, 1]} computed from parameters only, and the conv2d read nowhere else, becomes
 * {@code conv2d(x, w * s[:, None, None, None], b * s)}. PrecomputePrune then turns the scaled weights
 * into parameters, so the multiply leaves the run-time graph (batch norm after conv costs one add).
 */
public final class FoldScaleAxis {
  public static final PassInfo INFO = new PassInfo("graph.fold-scale-axis", "Fold channel scales into conv2d weights", 3);

  /** The names of the graph's variables that are parameters. */
  public record Config(Set<String> params) {
    public static final Config DEFAULT = new Config(Set.of());

    public Config { params = Set.copyOf(params); }
  }

  private FoldScaleAxis() {}

  public static Graph apply(Graph g, Set<String> params) {
    Set<Node> paramOnly = PrecomputePrune.paramOnly(g, params);
    int[] uses = FuseOps.uses(g);
    return new GraphRewriter(g).rewrite((n, in, rw) -> {
      if (!n.op().name().equals("broadcast_mul")) return null;
      for (int k = 0; k < 2; k++) {
        NodeEntry conv = n.inputs().get(k);
        NodeEntry scale = n.inputs().get(1 - k);
        Node c = conv.node();
        if (c.isVariable() || !c.op().name().equals("conv2d") || uses[g.nodeId(c)] != 1 || !paramOnly.contains(scale.node())) continue;
        if (!c.attrs().getOrDefault("layout", "NCHW").equals("NCHW")) continue; // the scale axis is channel axis 1 only in NCHW
        long channels = rw.shape(conv).dim(1);
        if (!rw.shape(scale).equals(Shape.of(channels, 1, 1))) continue;
        return List.of(fold(in.get(k).node(), in.get(1 - k), (int) channels));
      }
      return null;
    });
  }

  public static Pass<Graph> pass() {
    return Pass.of(INFO, Graph.class, (g, ctx) -> apply(g, ctx.config(INFO.name(), Config.class, Config.DEFAULT).params()));
  }

  /** The (already rewritten) conv2d {@code c} with weight and bias scaled by {@code scale} ([C, 1, 1]). */
  private static NodeEntry fold(Node c, NodeEntry scale, int channels) {
    String p = c.name() + "_fold_";
    List<NodeEntry> ins = new ArrayList<>(c.inputs());
    NodeEntry s4 = op("expand_dims", p + "scale4", Map.of("axis", "3"), scale);
    ins.set(1, op("broadcast_mul", p + "weight", Map.of(), c.inputs().get(1), s4));
    if (boolAttr(c.attrs(), "use_bias")) {
      NodeEntry s1 = op("reshape", p + "scale1", Map.of("shape", "(" + channels + ",)"), scale);
      ins.set(2, op("elemwise_mul", p + "bias", Map.of(), c.inputs().get(2), s1));
    }
    return new NodeEntry(Node.apply(c.op(), c.name(), c.attrs(), ins), 0);
  }

  private static NodeEntry op(String op, String name, Map<String, String> attrs, NodeEntry... in) {
    return new NodeEntry(Node.apply(OpRegistry.get(op), name, attrs, List.of(in)), 0);
  }
}
