package org.nnvm4j.graph.pass;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;

/**
 * Assigns a storage id to every entry that exists at run time (NNVM's {@code PlanMemory}): the
 * variables and the output of each fused group ({@link FuseOps#GROUP}; entries inside a group get -1).
 * Groups run in order; a group's output takes a free block of its dtype, the smallest that is large
 * enough (else a new block), and a block is freed after the last group that reads it has been given
 * its output. Variables and graph outputs keep their blocks. Results: {@link #STORAGE_ID}
 * ({@code Integer[]} per entry) and {@link #REPORT}.
 */
public final class PlanMemory {
  public static final PassInfo INFO = new PassInfo("graph.plan-memory", "Share storage between entries whose lifetimes do not overlap", 0);
  /** Graph attribute: {@code Integer[]} indexed by entry id. */
  public static final String STORAGE_ID = "storage_id";
  /** Graph attribute: the {@link Report}. */
  public static final String REPORT = "storage_report";

  /**
   * Whether entries may share storage (without reuse every run-time entry gets its own block), and
   * whether a shared block must have exactly the entry's size (for devices whose buffers cannot be
   * viewed in part from the host).
   */
  public record Config(boolean reuse, boolean sameSizeOnly) {
    public static final Config DEFAULT = new Config(true, false);
  }

  /** Bytes of all storage and of activations (group outputs) only, with and without sharing. */
  public record Report(long totalBytes, long totalBytesNoReuse, long activationBytes, long activationBytesNoReuse, int blocks) {}

  private PlanMemory() {}

  private static final class Block {
    final int id;
    final DType dtype;
    long bytes;
    boolean free;
    boolean activation;

    Block(int id, DType dtype, long bytes) {
      this.id = id;
      this.dtype = dtype;
      this.bytes = bytes;
    }
  }

  public static Graph apply(Graph g) { return apply(g, Config.DEFAULT); }

  public static Graph apply(Graph g, Config cfg) {
    Graph fused = g.attr(FuseOps.GROUP, Integer[].class) == null ? FuseOps.unfused(g) : g;
    Integer[] group = fused.attr(FuseOps.GROUP, Integer[].class);
    Shape[] shapes = g.attr(Graph.SHAPE, Shape[].class);
    DType[] types = g.attr(Graph.DTYPE, DType[].class);
    if (shapes == null || types == null) throw new InternalCompilerError(INFO.name() + " needs shapes and dtypes; run graph.infer-shape and graph.infer-type first");
    int n = g.nodes().size();
    // A node is a group output when some op node of another group, or the graph, reads it.
    boolean[] visible = new boolean[g.numEntries()];
    int[] reads = new int[g.numEntries()];
    for (Node v : g.inputs()) visible[g.entryId(new NodeEntry(v, 0))] = true;
    for (Node m : g.nodes()) {
      if (m.isVariable()) continue;
      int gm = group[g.entryId(new NodeEntry(m, 0))];
      List<Integer> counted = new ArrayList<>();
      for (NodeEntry e : m.inputs()) {
        int id = g.entryId(e);
        if (e.node().isVariable() || group[id] != gm) {
          visible[id] = true;
          if (!counted.contains(id)) {
            counted.add(id);
            reads[id]++;
          }
        }
      }
    }
    boolean[] pinned = new boolean[g.numEntries()];
    for (NodeEntry e : g.outputs()) {
      visible[g.entryId(e)] = true;
      pinned[g.entryId(e)] = true;
    }
    Integer[] sid = new Integer[g.numEntries()];
    java.util.Arrays.fill(sid, -1);
    List<Block> blocks = new ArrayList<>();
    long naive = 0;
    long naiveAct = 0;
    java.util.Map<Integer, List<Integer>> pending = new java.util.HashMap<>();
    for (int i = 0; i < n; i++) {
      Node m = g.nodes().get(i);
      for (int k = 0; k < m.numOutputs(); k++) {
        int id = g.entryId(new NodeEntry(m, k));
        if (!visible[id]) continue;
        long bytes = Math.multiplyExact(shapes[id].numElements(), (long) types[id].bytes());
        naive += bytes;
        Block b;
        if (m.isVariable()) {
          b = new Block(blocks.size(), types[id], bytes);
          blocks.add(b);
        } else {
          naiveAct += bytes;
          b = cfg.reuse() ? bestFit(blocks, types[id], bytes, cfg.sameSizeOnly()) : null;
          if (b == null) {
            b = new Block(blocks.size(), types[id], bytes);
            b.activation = true;
            blocks.add(b);
          }
          b.free = false;
        }
        sid[id] = b.id;
      }
      if (m.isVariable()) continue;
      // The group is one kernel: what it reads for the last time is freed once its output has a block.
      int gm = group[g.entryId(new NodeEntry(m, 0))];
      List<Integer> groupReads = pending.computeIfAbsent(gm, x -> new ArrayList<>());
      for (NodeEntry e : m.inputs()) {
        int id = g.entryId(e);
        if (!e.node().isVariable() && group[id] != gm && !groupReads.contains(id)) groupReads.add(id);
      }
      if (!visible[g.entryId(new NodeEntry(m, 0))]) continue;
      for (int id : pending.remove(gm)) {
        if (--reads[id] == 0 && !pinned[id]) blocks.get(sid[id]).free = true;
      }
    }
    long total = 0;
    long act = 0;
    for (Block b : blocks) {
      total += b.bytes;
      if (b.activation) act += b.bytes;
    }
    Report r = new Report(total, naive, act, naiveAct, blocks.size());
    return g.withAttr(STORAGE_ID, sid).withAttr(REPORT, r);
  }

  public static Pass<Graph> pass() {
    return Pass.of(INFO, Graph.class, (g, ctx) -> apply(g, ctx.config(INFO.name(), Config.class, Config.DEFAULT)));
  }

  /** The smallest free activation block of {@code dtype} with at least (or exactly) {@code bytes}; null if none. */
  private static Block bestFit(List<Block> blocks, DType dtype, long bytes, boolean exact) {
    Block best = null;
    for (Block b : blocks) {
      boolean fits = exact ? b.bytes == bytes : b.bytes >= bytes;
      if (b.free && b.activation && b.dtype.equals(dtype) && fits && (best == null || b.bytes < best.bytes)) best = b;
    }
    return best;
  }
}
