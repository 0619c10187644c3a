package org.nnvm4j.graph.pass;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.floatAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.normalizeAxis;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.graph.OpRegistry;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;

/**
 * Rewrites training-time ops for inference (NNVM's {@code SimplifyInference}): {@code batch_norm}
 * becomes {@code data * scale + shift} with {@code scale = gamma / sqrt(var + eps)} and
 * {@code shift = beta - mean * scale} broadcast along the channel axis; {@code dropout} becomes the identity.
 * Needs the shapes (for the channel axis); keeps node names as prefixes of the new nodes.
 */
public final class SimplifyInference {
  public static final PassInfo INFO = new PassInfo("graph.simplify-inference", "batch_norm to scale and shift, dropout to identity", 0);

  private SimplifyInference() {}

  public static Graph apply(Graph g) {
    return new GraphRewriter(g).rewrite((n, in, rw) -> switch (n.op().name()) {
      case "dropout" -> List.of(in.get(0));
      case "batch_norm" -> List.of(batchNorm(n, in, rw.shape(n.inputs().get(0)).rank()));
      default -> null;
    });
  }

  public static Pass<Graph> pass() { return Pass.of(INFO, Graph.class, (g, ctx) -> apply(g)); }

  private static NodeEntry batchNorm(Node n, List<NodeEntry> in, int rank) {
    String p = n.name() + "_";
    Map<String, String> a = n.attrs();
    int axis = normalizeAxis(intAttr(a, "axis"), rank);
    NodeEntry varEps = op("__add_scalar__", p + "add_eps", Map.of("scalar", a.get("epsilon")), in.get(4));
    NodeEntry scale = op("sqrt", p + "sqrt", Map.of(), varEps);
    scale = boolAttr(a, "scale") ? op("elemwise_div", p + "scale", Map.of(), in.get(1), scale)
        : op("__rdiv_scalar__", p + "scale", Map.of("scalar", "1"), scale);
    NodeEntry shift = op("negative", p + "neg_mean", Map.of(), op("elemwise_mul", p + "mean_scale", Map.of(), in.get(3), scale));
    if (boolAttr(a, "center")) shift = op("elemwise_add", p + "shift", Map.of(), shift, in.get(2));
    int trailing = rank - axis - 1;
    if (trailing > 0) {
      Map<String, String> ex = Map.of("axis", "1", "num_newaxis", Integer.toString(trailing));
      scale = op("expand_dims", p + "scale_expand", ex, scale);
      shift = op("expand_dims", p + "shift_expand", ex, shift);
    }
    NodeEntry out = op("broadcast_mul", p + "mul", Map.of(), in.get(0), scale);
    return op("broadcast_add", p + "add", Map.of(), out, shift);
  }

  private static NodeEntry op(String op, String name, Map<String, String> attrs, NodeEntry... in) {
    return new NodeEntry(Node.apply(OpRegistry.get(op), name, attrs, List.of(in)), 0);
  }
}
