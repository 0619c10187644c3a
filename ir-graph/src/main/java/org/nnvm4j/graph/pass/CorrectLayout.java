package org.nnvm4j.graph.pass;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.LayoutRule;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.graph.OpRegistry;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.Layout;

/**
 * Moves {@code layout_transform}s to where a layout must change (NNVM's {@code CorrectLayout}): every
 * value is carried in the layout its producer gives it, and a transform is emitted only where a consumer
 * needs another one. Layout-agnostic ops run in the blocked layout of their inputs: element-wise ops
 * (relu, the add of a residual, scalar ops) convert all their inputs to it, and {@code broadcast_*} ops
 * take a per-channel operand such as a bias or a scale ({@code [C, 1, 1]}) blocked the same way
 * ({@code CHW16c}) and an operand without the channel axis with a trailing axis of 1; pooling runs on
 * NCHW{c}c data. Every other op (flatten, dense, softmax, concatenate, ...) and the graph outputs get the
 * original layout.
 * Consecutive blocked convolutions therefore stay blocked, and a transform pair that cancels disappears.
 * A graph without {@code layout_transform} is returned as it is.
 */
public final class CorrectLayout {
  public static final PassInfo INFO = new PassInfo("graph.correct-layout", "Keep blocked layouts through layout-agnostic ops", 0);

  /** The pooling ops that also run on NCHW{c}c data (their {@code layout} attribute). */

  private CorrectLayout() {}

  public static Graph apply(Graph g) {
    if (g.nodes().stream().noneMatch(CorrectLayout::isTransform)) return g;
    return new Worker(new GraphRewriter(g)).run();
  }

  public static Pass<Graph> pass() { return Pass.of(INFO, Graph.class, (g, ctx) -> apply(g)); }

  private static boolean isTransform(Node n) { return !n.isVariable() && n.op().name().equals("layout_transform"); }

  /**
   * How a value is carried: {@code entry} holds the value transformed from layout {@code from} to
   * {@code to}, or the value itself when {@code from} is null.
   */
  private record Carried(NodeEntry entry, Layout from, Layout to) {
    static Carried plain(NodeEntry e) { return new Carried(e, null, null); }

    boolean blocked() { return from != null; }
  }

  private record Key(NodeEntry source, String what) {}

  private static final class Worker {
    private final GraphRewriter rw;
    private final Graph g;
    private final Map<NodeEntry, Carried> carried = new HashMap<>();
    private final Map<Key, NodeEntry> emitted = new HashMap<>();

    Worker(GraphRewriter rw) {
      this.rw = rw;
      this.g = rw.graph();
    }

    Graph run() {
      for (Node n : g.nodes()) {
        if (n.isVariable()) carried.put(new NodeEntry(n, 0), Carried.plain(new NodeEntry(n, 0)));
        else if (isTransform(n)) transformNode(n);
        else if (n.op().layoutRule() == LayoutRule.AGNOSTIC && n.numOutputs() == 1 && elementwise(n)) continue;
        else if (n.op().layoutRule() == LayoutRule.BROADCAST && n.inputs().size() == 2 && broadcast(n)) continue;
        else if (n.op().layoutRule() == LayoutRule.LAYOUT_ATTR && n.attrs().containsKey("layout") && pool(n)) continue;
        else keep(n);
      }
      return rw.withOutputs(g.outputs().stream().map(e -> as(e, null, null)).toList());
    }

    /** A layout_transform node: carried on as its input is, so that a pair that cancels emits nothing. */
    private void transformNode(Node n) {
      Layout src = Layout.parse(n.attrs().get("src_layout"));
      Layout dst = Layout.parse(n.attrs().get("dst_layout"));
      NodeEntry in = n.inputs().get(0);
      Carried c = carried.get(in);
      NodeEntry out = new NodeEntry(n, 0);
      if (src.equals(dst)) carried.put(out, c);
      else if (!c.blocked()) carried.put(out, new Carried(c.entry(), dst, src));
      else if (c.from().equals(src)) carried.put(out, c.to().equals(dst) ? Carried.plain(c.entry()) : new Carried(c.entry(), dst, c.to()));
      else carried.put(out, new Carried(as(in, null, null), dst, src));
    }

    /** An element-wise op with a blocked input runs blocked: every input is converted to that layout. */
    private boolean elementwise(Node n) {
      Carried b = n.inputs().stream().map(carried::get).filter(Carried::blocked).findFirst().orElse(null);
      if (b == null) return false;
      List<NodeEntry> ins = new ArrayList<>();
      for (NodeEntry e : n.inputs()) ins.add(as(e, b.from(), b.to()));
      carried.put(new NodeEntry(n, 0), new Carried(rebuilt(n, ins), b.from(), b.to()));
      return true;
    }

    /**
     * A broadcast op whose full-shaped input is blocked by one trailing sub-axis ({@code NCHW} to
     * {@code NCHW16c}) runs blocked when its other operand can follow: of the full shape, with the
     * blocked axis at full extent (blocked the same way), or without it (a trailing axis of 1 added).
     */
    private boolean broadcast(Node n) {
      Shape out = rw.shape(new NodeEntry(n, 0));
      for (int main = 0; main < 2; main++) {
        NodeEntry m = n.inputs().get(main);
        Carried c = carried.get(m);
        if (!c.blocked() || !rw.shape(m).equals(out) || !oneTrailingBlock(c.from(), c.to())) continue;
        NodeEntry other = n.inputs().get(1 - main);
        NodeEntry o = operand(other, rw.shape(other), out, c.from(), c.to());
        if (o == null) return false;
        List<NodeEntry> ins = new ArrayList<>(List.of(as(m, c.from(), c.to()), o));
        if (main == 1) java.util.Collections.reverse(ins);
        carried.put(new NodeEntry(n, 0), new Carried(rebuilt(n, ins), c.from(), c.to()));
        return true;
      }
      return false;
    }

    /** A pooling op over NCHW data carried as NCHW{c}c runs blocked: its layout attribute becomes the blocked one. */
    private boolean pool(Node n) {
      Carried c = carried.get(n.inputs().get(0));
      if (!c.blocked() || !n.attrs().get("layout").equals("NCHW") || !c.from().name().equals("NCHW") || !oneTrailingBlock(c.from(), c.to())) {
        return false;
      }
      Map<String, String> attrs = new java.util.LinkedHashMap<>(n.attrs());
      attrs.put("layout", c.to().name());
      Node m = Node.apply(n.op(), n.name(), attrs, List.of(c.entry()));
      carried.put(new NodeEntry(n, 0), new Carried(new NodeEntry(m, 0), c.from(), c.to()));
      return true;
    }

    /** Whether {@code to} is {@code from} with one sub-axis appended, e.g. NCHW and NCHW16c. */
    private static boolean oneTrailingBlock(Layout from, Layout to) {
      return to.rank() == from.rank() + 1 && to.primal().equals(from.name()) && Character.isLowerCase(to.axes()[to.rank() - 1]);
    }

    /** The broadcast operand {@code e} (shape {@code s}) aligned with an output of shape {@code out} carried as from -> to, or null. */
    private NodeEntry operand(NodeEntry e, Shape s, Shape out, Layout from, Layout to) {
      int r = s.rank();
      int big = out.rank();
      if (r > big) return null;
      char sub = to.axes()[to.rank() - 1];
      int axis = from.indexOf(Character.toUpperCase(sub));
      int q = axis - (big - r);
      if (q < 0 || s.dim(q) == 1) {
        Key k = new Key(e, "expand");
        NodeEntry src = as(e, null, null);
        return emitted.computeIfAbsent(k, x -> op("expand_dims", src.node().name() + "_expand", Map.of("axis", Integer.toString(r)), src));
      }
      if (s.dim(q) != out.dim(axis)) return null;
      Layout f = Layout.parse(from.name().substring(big - r));
      Layout t = Layout.parse(f.name() + to.factorOf(Character.toUpperCase(sub)) + sub);
      return as(e, f, t);
    }

    /** Any other op: its inputs in their original layouts. */
    private void keep(Node n) {
      List<NodeEntry> ins = new ArrayList<>();
      for (NodeEntry e : n.inputs()) ins.add(as(e, null, null));
      Node m = ins.equals(n.inputs()) ? n : rebuilt(n, ins).node();
      for (int k = 0; k < n.numOutputs(); k++) carried.put(new NodeEntry(n, k), Carried.plain(new NodeEntry(m, k)));
    }

    private static NodeEntry rebuilt(Node n, List<NodeEntry> ins) {
      return new NodeEntry(Node.apply(n.op(), n.name(), n.attrs(), ins), 0);
    }

    /** The value of original entry {@code e} transformed from layout {@code from} to {@code to} (null: the value itself). */
    private NodeEntry as(NodeEntry e, Layout from, Layout to) {
      Carried c = carried.get(e);
      if (!c.blocked()) return from == null ? c.entry() : emit(c.entry(), from, to);
      if (from == null) return emit(c.entry(), c.to(), c.from());
      if (from.equals(c.from())) return to.equals(c.to()) ? c.entry() : emit(c.entry(), c.to(), to);
      return emit(as(e, null, null), from, to);
    }

    /** One layout_transform of {@code src} from {@code from} to {@code to}, shared by every consumer. */
    private NodeEntry emit(NodeEntry src, Layout from, Layout to) {
      if (from.equals(to)) return src;
      return emitted.computeIfAbsent(new Key(src, from + "->" + to),
          k -> AlterOpLayout.transform(src, from.name(), to.name(), src.node().name() + "_" + to.name()));
    }

    private static NodeEntry op(String op, String name, Map<String, String> attrs, NodeEntry in) {
      return new NodeEntry(Node.apply(OpRegistry.get(op), name, attrs, List.of(in)), 0);
    }
  }
}
