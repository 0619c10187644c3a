package org.nnvm4j.graph.pass;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.graph.OpRegistry;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;

/**
 * Lets the target replace an op by one that wants its operands in other layouts (NNVM's
 * {@code AlterOpLayout}, e.g. conv2d NCHW/OIHW to conv2d_NCHWc with NCHW16c data and an OIHW8i16o
 * prepacked weight on x86): for each op node the {@link Proposer} (the backend's
 * {@code Lowering.alterOpLayout}) may return a {@link Proposal}; the node is then rebuilt as the proposed
 * op over {@code layout_transform}s of the inputs it names, followed by a {@code layout_transform} of its
 * output back to the original layout, so the graph computes what it did. {@link CorrectLayout} then
 * removes the transforms between ops that can stay blocked, and PrecomputePrune folds those of the weights.
 */
public final class AlterOpLayout {
  public static final PassInfo INFO = new PassInfo("graph.alter-op-layout", "Let the target replace ops by ones in its preferred layouts", 3);

  /** A layout change of one operand: the value in layout {@code from} is given in layout {@code to}. */
  public record Change(String from, String to) {
    public Change {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }
  }

  /**
   * What replaces a node: op {@code op} with {@code attrs}, its inputs those of the node, changed where
   * {@code inputs} has a {@link Change} (null: the input as it is); its output is the node's output
   * changed by {@code output} (null: unchanged).
   */
  public record Proposal(String op, Map<String, String> attrs, List<Change> inputs, Change output) {
    public Proposal {
      attrs = Map.copyOf(attrs);
      inputs = java.util.Collections.unmodifiableList(new ArrayList<>(inputs));
    }
  }

  /** The target's choice for one node: its op name, attributes, input shapes and dtypes. */
  @FunctionalInterface
  public interface Proposer {
    Optional<Proposal> propose(String op, Map<String, String> attrs, List<Shape> inputShapes, List<DType> inputTypes);
  }

  /** The proposer; {@link #DEFAULT} proposes nothing. */
  public record Config(Proposer proposer) {
    public static final Config DEFAULT = new Config((op, attrs, shapes, types) -> Optional.empty());
  }

  private AlterOpLayout() {}

  public static Graph apply(Graph g, Proposer proposer) {
    return new GraphRewriter(g).rewrite((n, in, rw) -> {
      List<Shape> shapes = n.inputs().stream().map(rw::shape).toList();
      List<DType> types = n.inputs().stream().map(rw::dtype).toList();
      Optional<Proposal> p = proposer.propose(n.op().name(), n.attrs(), shapes, types);
      return p.map(proposal -> alter(n, in, proposal)).orElse(null);
    });
  }

  public static Pass<Graph> pass() {
    return Pass.of(INFO, Graph.class, (g, ctx) -> apply(g, ctx.config(INFO.name(), Config.class, Config.DEFAULT).proposer()));
  }

  private static List<NodeEntry> alter(Node n, List<NodeEntry> in, Proposal p) {
    if (p.inputs().size() != in.size() || n.numOutputs() != 1) {
      throw new InternalCompilerError("graph.alter-op-layout: the proposal for node '" + n.name() + "' (op " + n.op().name() + ") names "
          + p.inputs().size() + " inputs; the node has " + in.size() + " and " + n.numOutputs() + " outputs");
    }
    List<String> names = n.op().inputNames(n.attrs());
    List<NodeEntry> ins = new ArrayList<>();
    for (int i = 0; i < in.size(); i++) {
      Change c = p.inputs().get(i);
      ins.add(c == null ? in.get(i) : transform(in.get(i), c.from(), c.to(), n.name() + "_" + names.get(i) + "_" + c.to()));
    }
    NodeEntry out = new NodeEntry(Node.apply(OpRegistry.get(p.op()), n.name(), p.attrs(), ins), 0);
    Change o = p.output();
    return List.of(o == null ? out : transform(out, o.to(), o.from(), n.name() + "_" + o.from()));
  }

  /** A {@code layout_transform} node named {@code name} of {@code e} from layout {@code from} to {@code to}. */
  static NodeEntry transform(NodeEntry e, String from, String to, String name) {
    return new NodeEntry(Node.apply(OpRegistry.get("layout_transform"), name, Map.of("src_layout", from, "dst_layout", to), List.of(e)), 0);
  }
}
