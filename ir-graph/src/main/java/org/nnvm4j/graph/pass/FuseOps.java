package org.nnvm4j.graph.pass;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;

/**
 * Partitions the op nodes into fused groups by fusion pattern (NNVM's {@code GraphFusePartition}):
 * an element-wise, broadcast or injective node joins the group of an input whose group is itself at
 * most injective; an {@code out_elemwise_fusable} group (conv2d, dense, pooling) absorbs following
 * element-wise and broadcast nodes; a reduction joins an injective group and ends it; opaque nodes
 * stay alone. Only an entry with exactly one use (and not a graph output) is fused over, so every
 * group has one output: its last node. The result is the graph attribute {@link #GROUP}: the group
 * id of each entry ({@code null} for variables), groups numbered in node order.
 */
public final class FuseOps {
  public static final PassInfo INFO = new PassInfo("graph.fuse-ops", "Group ops into fused functions by fusion pattern", 1);
  /** Graph attribute: {@code Integer[]} indexed by entry id, the fused group of the entry's node. */
  public static final String GROUP = "fuse_group";

  private FuseOps() {}

  public static Graph apply(Graph g) {
    int[] uses = uses(g);
    List<OpPattern> groupPattern = new ArrayList<>();
    int[] group = new int[g.nodes().size()];
    Integer[] byEntry = new Integer[g.numEntries()];
    for (int i = 0; i < g.nodes().size(); i++) {
      Node n = g.nodes().get(i);
      group[i] = -1;
      if (n.isVariable()) continue;
      OpPattern p = n.op().pattern();
      int target = -1;
      for (NodeEntry e : n.inputs()) {
        int u = g.nodeId(e.node());
        if (e.node().isVariable() || uses[u] != 1) continue;
        if (fuses(groupPattern.get(group[u]), p)) {
          target = group[u];
          break;
        }
      }
      if (target < 0) {
        target = groupPattern.size();
        groupPattern.add(p);
      } else {
        groupPattern.set(target, combine(groupPattern.get(target), p));
      }
      group[i] = target;
      for (int k = 0; k < n.numOutputs(); k++) byEntry[g.entryId(new NodeEntry(n, k))] = target;
    }
    return g.withAttr(GROUP, byEntry);
  }

  public static Pass<Graph> pass() { return Pass.of(INFO, Graph.class, (g, ctx) -> apply(g)); }

  /** Each op node as its own group: the partition when FuseOps does not run. */
  public static Graph unfused(Graph g) {
    Integer[] byEntry = new Integer[g.numEntries()];
    int next = 0;
    for (Node n : g.nodes()) {
      if (n.isVariable()) continue;
      int id = next++;
      for (int k = 0; k < n.numOutputs(); k++) byEntry[g.entryId(new NodeEntry(n, k))] = id;
    }
    return g.withAttr(GROUP, byEntry);
  }

  /** Whether a node of pattern {@code p} may join a group of pattern {@code group}. */
  private static boolean fuses(OpPattern group, OpPattern p) {
    boolean injectiveGroup = group.compareTo(OpPattern.INJECTIVE) <= 0;
    return switch (p) {
      case ELEMWISE, BROADCAST -> injectiveGroup || group == OpPattern.OUT_ELEMWISE_FUSABLE;
      case INJECTIVE, COMM_REDUCE -> injectiveGroup;
      case OUT_ELEMWISE_FUSABLE, OPAQUE -> false;
    };
  }

  private static OpPattern combine(OpPattern group, OpPattern p) {
    if (group == OpPattern.OUT_ELEMWISE_FUSABLE) return group;
    return p.compareTo(group) > 0 ? p : group;
  }

  /** How often each node's outputs are read by op nodes or are graph outputs. */
  static int[] uses(Graph g) {
    int[] uses = new int[g.nodes().size()];
    for (Node n : g.nodes()) for (NodeEntry e : n.inputs()) uses[g.nodeId(e.node())]++;
    for (NodeEntry e : g.outputs()) uses[g.nodeId(e.node())] += 2;
    return uses;
  }
}
