package org.nnvm4j.tensor.schedule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Operation;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.Var;

/**
 * The schedule of one operation: its loop structure (leaf iteration variables in loop order, from
 * outermost) and how each loop runs. Every primitive validates its arguments and fails with an
 * {@link ErrorCode#INVALID_SCHEDULE} {@link CompileException} that names the stage and axis.
 */
public final class Stage {
  private final Schedule schedule;
  private Operation op;
  private final List<IterVar> leaves = new ArrayList<>();
  private final List<IterRelation> relations = new ArrayList<>();
  private final Map<IterVar, ForKind> kinds = new IdentityHashMap<>();
  private final Map<IterVar, String> threadTags = new IdentityHashMap<>();
  private boolean inlined;
  private Stage attachStage;
  private IterVar attachAxis;
  private String scope = "global";
  private final Map<IterVar, List<Pragma>> pragmas = new IdentityHashMap<>();
  private final Map<IterVar, int[]> aligns = new IdentityHashMap<>();

  /** A {@code pragma_<key> = value} attribute on a loop. */
  record Pragma(String key, Expr value) {}

  Stage(Schedule schedule, Operation op) {
    this.schedule = schedule;
    this.op = op;
    if (op instanceof ComputeOp c) {
      leaves.addAll(c.axis());
      leaves.addAll(c.reduceAxis());
    }
  }

  /**
   * Replaces the operation by {@code newOp} (a cache or rfactor rewrite). When {@code resetLoops}, the loops
   * become the new op's axes, unscheduled; otherwise they stay (the new op keeps this stage's iteration variables).
   */
  void replaceOp(ComputeOp newOp, boolean resetLoops) {
    this.op = newOp;
    if (resetLoops) {
      relations.clear();
      kinds.clear();
      threadTags.clear();
      pragmas.clear();
      leaves.clear();
      leaves.addAll(newOp.axis());
      leaves.addAll(newOp.reduceAxis());
    }
  }

  /** Whether any primitive has changed this stage's loops or their kinds. */
  boolean isScheduled() { return !relations.isEmpty() || !kinds.isEmpty() || !leaves.equals(initialLeaves()); }

  private List<IterVar> initialLeaves() {
    List<IterVar> l = new ArrayList<>(axis());
    if (op instanceof ComputeOp c) l.addAll(c.reduceAxis());
    return l;
  }

  /** The memory scope of this stage's buffer: {@code global}, or the scope of a cache stage. */
  public String scope() { return scope; }

  void setScope(String scope) { this.scope = scope; }

  /**
   * Puts this stage's buffer in memory {@code scope} (TVM's {@code set_scope}): {@code shared} (one copy per
   * GPU block, its threads cooperate on it; lowering puts barriers around it) or {@code local} (per thread);
   * meant for stages computed at a loop of a consumer ({@link #computeAt}).
   */
  public Stage storageScope(String scope) {
    if (!Schedule.SCOPES.contains(scope)) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, new Span(null, op.name(), null, null), "stage '" + op.name()
          + "': storage scope '" + scope + "'; expected one of " + Schedule.SCOPES);
    }
    if (isOutput() && !scope.equals("global")) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, new Span(null, op.name(), null, null), "stage '" + op.name()
          + "': an output of the schedule lives in global memory, not '" + scope + "'; use Schedule.cacheWrite");
    }
    this.scope = scope;
    return this;
  }

  /** The stage this one is computed inside ({@link #computeAt}), or null at the root. */
  public Stage attachStage() { return attachStage; }

  /** The loop of {@link #attachStage()} this one is computed inside, or null at the root. */
  public IterVar attachAxis() { return attachAxis; }

  /**
   * Computes this stage inside the loop {@code axis} of its consumer {@code parent}: at each iteration of
   * that loop it produces only the region the consumer's inner loops read, into a buffer allocated there
   * with the (smaller) extents bound inference finds.
   */
  public Stage computeAt(Stage parent, IterVar axis) {
    Span span = new Span(null, op.name(), null, axis.var().name());
    if (!(op instanceof ComputeOp)) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, span, "stage '" + op.name()
          + "': computeAt of " + kind() + "; only computes have loops to place");
    }
    if (parent == this) throw error(axis, "computeAt: a stage cannot be computed at its own loop");
    if (isOutput()) {
      throw error(axis, "computeAt of an output of the schedule; outputs are computed at the root");
    }
    if (parent.schedule != schedule) throw error(axis, "computeAt: stage '" + parent.op.name() + "' belongs to another schedule");
    if (indexOf(parent.leaves, axis) < 0) {
      throw error(axis, "computeAt: axis '" + axis.var().name() + "' is not a loop of stage '" + parent.op.name()
          + "'; its loops are " + parent.leafNames());
    }
    if (!schedule.reads(parent.op, op)) {
      throw error(axis, "computeAt: stage '" + parent.op.name() + "' does not consume '" + op.name()
          + "'; a stage can only be computed inside a consumer");
    }
    if (inlined) throw error(axis, "computeAt of an inlined stage; call computeRoot or do not inline it");
    attachStage = parent;
    attachAxis = axis;
    return this;
  }

  /** Computes this stage at the root again (its own loop nest, before its consumers); undoes {@link #computeAt}. */
  public Stage computeRoot() {
    if (!(op instanceof ComputeOp)) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, new Span(null, op.name(), null, null),
          "stage '" + op.name() + "': computeRoot of " + kind() + "; only computes have loops to place");
    }
    attachStage = null;
    attachAxis = null;
    inlined = false;
    return this;
  }

  /**
   * Attaches {@code pragma_<key> = value} to the loop of {@code axis} (an {@code AttrStmt} around it) for
   * backends and later passes, as TVM's {@code pragma}.
   */
  public Stage pragma(IterVar axis, String key, Expr value) {
    leafIndex(axis, "pragma");
    if (key == null || !key.matches("[a-z_][a-z0-9_]*")) {
      throw error(axis, "pragma on axis '" + axis.var().name() + "': key '" + key
          + "' must be a lower-case identifier ([a-z_][a-z0-9_]*)");
    }
    pragmas.computeIfAbsent(axis, k -> new ArrayList<>()).add(new Pragma(key, value));
    return this;
  }

  /** The pragmas on the loop of {@code axis}, in the order given. */
  List<Pragma> pragmasOf(IterVar axis) { return pragmas.getOrDefault(axis, List.of()); }

  /**
   * Pads this stage's buffer so that the stride of dimension {@code axis} (one of the op's data-parallel
   * axes, not the innermost) is {@code offset} modulo {@code factor}, as TVM's {@code storage_align}; used
   * to keep rows of a shared tile off the same memory bank. Only buffers of constant shape can be padded.
   */
  public Stage storageAlign(IterVar axis, int factor, int offset) {
    int d = indexOf(axis(), axis);
    if (d < 0) {
      throw error(axis, "storageAlign: axis '" + axis.var().name() + "' is not a data-parallel axis of the op; axes are "
          + axis().stream().map(a -> a.var().name()).toList());
    }
    if (d == axis().size() - 1) {
      throw error(axis, "storageAlign: axis '" + axis.var().name() + "' is the innermost dimension (stride 1); align an outer one");
    }
    if (factor < 1 || offset < 0 || offset >= factor) {
      throw error(axis, "storageAlign on axis '" + axis.var().name() + "': need factor >= 1 and 0 <= offset < factor, was factor "
          + factor + ", offset " + offset);
    }
    aligns.put(axis, new int[] {factor, offset});
    return this;
  }

  /** Whether {@link #storageAlign} was called. */
  boolean hasStorageAlign() { return !aligns.isEmpty(); }

  /**
   * The allocated shape of a buffer of this stage whose logical shape is {@code shape}: dimension {@code d + 1}
   * grows until the stride of every aligned dimension {@code d} meets its alignment.
   */
  List<Expr> storageShape(List<Expr> shape) {
    if (aligns.isEmpty()) return shape;
    List<Expr> out = new ArrayList<>(shape);
    for (int d = shape.size() - 2; d >= 0; d--) {
      int[] fo = aligns.get(axis().get(d));
      if (fo == null) continue;
      long inner = 1;
      for (Expr e : out.subList(d + 2, out.size())) inner *= constant(e, axis().get(d));
      long next = constant(out.get(d + 1), axis().get(d));
      long x = next;
      while ((x * inner) % fo[0] != fo[1] && x < next + fo[0]) x++;
      if ((x * inner) % fo[0] != fo[1]) {
        throw error(axis().get(d), "storageAlign on axis '" + axis().get(d).var().name() + "': no row length from "
            + next + " gives a stride of " + fo[1] + " modulo " + fo[0] + " (inner size " + inner + ")");
      }
      out.set(d + 1, IrOps.intImm(out.get(d + 1).dtype(), x));
    }
    return out;
  }

  private long constant(Expr e, IterVar axis) {
    Long c = IrOps.asLong(e);
    if (c == null) {
      throw error(axis, "storageAlign on axis '" + axis.var().name() + "': the buffer's shape is not constant (" + e + ")");
    }
    return c;
  }

  /** What the op is, for messages about primitives that apply to computes only. */
  String kind() {
    return switch (op) {
      case org.nnvm4j.tensor.te.ExternOp e -> "an extern op";
      case org.nnvm4j.tensor.te.ScanOp sc -> "a scan";
      case org.nnvm4j.tensor.te.PlaceholderOp p -> "a placeholder";
      case ComputeOp c -> "a compute";
    };
  }

  private boolean isOutput() {
    for (Operation out : schedule.outputs()) if (schedule.get(out) == this) return true;
    return false;
  }

  public Operation op() { return op; }

  public Schedule schedule() { return schedule; }

  /** The loops of this stage, outermost first. */
  public List<IterVar> leafIterVars() { return Collections.unmodifiableList(leaves); }

  public List<IterRelation> relations() { return Collections.unmodifiableList(relations); }

  /** How the loop of {@code iv} runs ({@link ForKind#SERIAL} unless annotated). */
  public ForKind kindOf(IterVar iv) { return kinds.getOrDefault(iv, ForKind.SERIAL); }

  /** The data-parallel axes of a compute. */
  public List<IterVar> axis() { return op instanceof ComputeOp c ? c.axis() : List.of(); }

  /** Whether {@link #computeInline} was called: the op is substituted into its consumers. */
  public boolean isInlined() { return inlined; }

  /** Splits {@code parent} into an outer loop and an inner loop of {@code factor} iterations. */
  public IterVar[] split(IterVar parent, int factor) {
    leafIndex(parent, "split");
    if (factor < 1) throw error(parent, "split of axis '" + parent.var().name() + "': factor must be >= 1, was " + factor);
    return split(parent, IrOps.intImm(parent.var().dtype(), factor), null);
  }

  /**
   * Splits {@code parent} into an outer loop of {@code nparts} iterations and an inner loop of
   * {@code ceil(extent / nparts)} (TVM's {@code split(nparts=)}); a split that does not divide is guarded.
   */
  public IterVar[] splitNParts(IterVar parent, int nparts) {
    leafIndex(parent, "split");
    if (nparts < 1) throw error(parent, "split of axis '" + parent.var().name() + "': nparts must be >= 1, was " + nparts);
    return split(parent, null, IrOps.intImm(parent.var().dtype(), nparts));
  }

  private IterVar[] split(IterVar parent, Expr factor, Expr nparts) {
    int pos = leafIndex(parent, "split");
    IterVar outer = new IterVar(null, new Var(parent.var().name() + ".outer", parent.var().dtype()), parent.kind());
    IterVar inner = new IterVar(null, new Var(parent.var().name() + ".inner", parent.var().dtype()), parent.kind());
    relations.add(new IterRelation.Split(parent, outer, inner, factor, nparts));
    leaves.set(pos, outer);
    leaves.add(pos + 1, inner);
    return new IterVar[] {outer, inner};
  }

  /**
   * Fuses the adjacent loops {@code outer} and {@code inner} (outer immediately enclosing inner, both
   * data-parallel or both reductions) into one loop of {@code extent(outer) * extent(inner)} iterations.
   */
  public IterVar fuse(IterVar outer, IterVar inner) {
    int po = leafIndex(outer, "fuse");
    int pi = leafIndex(inner, "fuse");
    if (outer == inner) throw error(outer, "fuse: axis '" + outer.var().name() + "' fused with itself");
    if (pi != po + 1) {
      throw error(inner, "fuse: axes '" + outer.var().name() + "' and '" + inner.var().name()
          + "' are not adjacent loops (outer immediately enclosing inner); loops are " + leafNames());
    }
    if (isReduce(outer) != isReduce(inner)) {
      throw error(inner, "fuse: cannot fuse data-parallel and reduction axes '" + outer.var().name() + "' and '"
          + inner.var().name() + "'");
    }
    if (kinds.containsKey(outer) || kinds.containsKey(inner)) {
      throw error(kinds.containsKey(outer) ? outer : inner, "fuse: annotated axes cannot be fused; fuse first");
    }
    IterVar fused = new IterVar(null, new Var(outer.var().name() + "." + inner.var().name() + ".fused",
        outer.var().dtype()), outer.kind());
    relations.add(new IterRelation.Fuse(outer, inner, fused));
    leaves.set(po, fused);
    leaves.remove(pi);
    return fused;
  }

  /**
   * Tiles the 2-d loop nest {@code x, y}: splits both and reorders to {@code x.outer, y.outer, x.inner,
   * y.inner}, which it returns in that order.
   */
  public IterVar[] tile(IterVar x, IterVar y, int xFactor, int yFactor) {
    if (x == y) throw error(x, "tile: axis '" + x.var().name() + "' given twice");
    leafIndex(x, "tile");
    leafIndex(y, "tile");
    if (xFactor < 1) throw error(x, "tile of axis '" + x.var().name() + "': factor must be >= 1, was " + xFactor);
    if (yFactor < 1) throw error(y, "tile of axis '" + y.var().name() + "': factor must be >= 1, was " + yFactor);
    IterVar[] xs = split(x, xFactor);
    IterVar[] ys = split(y, yFactor);
    reorder(xs[0], ys[0], xs[1], ys[1]);
    return new IterVar[] {xs[0], ys[0], xs[1], ys[1]};
  }

  /**
   * Inlines this injective (non-reducing) compute into its consumers: lowering substitutes its body at
   * every use and emits no loop nest or buffer for it.
   */
  public Stage computeInline() {
    if (!(op instanceof ComputeOp c)) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, new Span(null, op.name(), null, null),
          "stage '" + op.name() + "': computeInline of " + kind() + "; only computes can be inlined");
    }
    if (!c.reduceAxis().isEmpty()) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, new Span(null, op.name(), null, null),
          "stage '" + op.name() + "': computeInline of a reduction; only injective computes can be inlined");
    }
    if (isOutput()) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, new Span(null, op.name(), null, null),
          "stage '" + op.name() + "': computeInline of an output of the schedule; its values must be stored");
    }
    inlined = true;
    attachStage = null;
    attachAxis = null;
    return this;
  }

  /** Puts {@code order} in that relative order, keeping the other loops where they are. */
  public Stage reorder(IterVar... order) {
    Set<IterVar> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Integer> positions = new ArrayList<>();
    for (IterVar iv : order) {
      if (!seen.add(iv)) throw error(iv, "reorder names axis '" + iv.var().name() + "' twice");
      positions.add(leafIndex(iv, "reorder"));
    }
    List<Integer> sorted = new ArrayList<>(positions);
    Collections.sort(sorted);
    for (int i = 0; i < order.length; i++) leaves.set(sorted.get(i), order[i]);
    return this;
  }

  /** Runs the loop of {@code iv} in parallel on the worker threads of the backend. */
  public Stage parallel(IterVar iv) { return annotate(iv, ForKind.PARALLEL); }

  /** Turns the loop of {@code iv} into vector operations. */
  public Stage vectorize(IterVar iv) { return annotate(iv, ForKind.VECTORIZED); }

  /** Unrolls the loop of {@code iv}. */
  public Stage unroll(IterVar iv) { return annotate(iv, ForKind.UNROLLED); }

  /** The GPU thread indices {@link #bind} accepts. */
  public static final List<String> THREAD_TAGS = List.of("blockIdx.x", "blockIdx.y", "blockIdx.z", "threadIdx.x",
      "threadIdx.y", "threadIdx.z");

  /**
   * Binds the loop of {@code iv} to the GPU thread index {@code threadTag} (one of {@link #THREAD_TAGS}):
   * lowering emits a {@link ForKind#THREAD_BINDING} loop that the backend launches as a grid.
   */
  public Stage bind(IterVar iv, String threadTag) {
    leafIndex(iv, "bind");
    if (!THREAD_TAGS.contains(threadTag)) {
      throw error(iv, "bind: unknown thread tag '" + threadTag + "'; expected one of " + THREAD_TAGS);
    }
    String old = threadTags.get(iv);
    if (old != null) throw error(iv, "bind: axis '" + iv.var().name() + "' is already bound to " + old);
    if (isReduce(iv) && !threadTag.startsWith("threadIdx")) {
      throw error(iv, "bind: reduction axis '" + iv.var().name() + "' to " + threadTag + "; a reduction can be split"
          + " across the threads of one block (threadIdx.*), not across blocks");
    }
    for (Map.Entry<IterVar, String> e : threadTags.entrySet()) {
      if (e.getValue().equals(threadTag)) {
        throw error(iv, "bind: " + threadTag + " is already bound to axis '" + e.getKey().var().name() + "'");
      }
    }
    annotate(iv, ForKind.THREAD_BINDING);
    threadTags.put(iv, threadTag);
    return this;
  }

  /** The thread tag {@code iv} is bound to, or an empty string. */
  public String threadTagOf(IterVar iv) { return threadTags.getOrDefault(iv, ""); }

  private Stage annotate(IterVar iv, ForKind kind) {
    leafIndex(iv, kind.name().toLowerCase(java.util.Locale.ROOT));
    if (isReduce(iv) && (kind == ForKind.PARALLEL || kind == ForKind.VECTORIZED)) {
      throw error(iv, kind.name().toLowerCase(java.util.Locale.ROOT) + ": axis '" + iv.var().name()
          + "' is a reduction axis; its iterations update the same element");
    }
    ForKind old = kinds.get(iv);
    if (old != null && old != kind) {
      throw error(iv, "axis '" + iv.var().name() + "' is already " + old.name().toLowerCase(java.util.Locale.ROOT));
    }
    kinds.put(iv, kind);
    return this;
  }

  private int leafIndex(IterVar iv, String primitive) {
    int i = indexOf(leaves, iv);
    if (i < 0) {
      String why = "it belongs to another stage";
      for (IterRelation r : relations) {
        switch (r) {
          case IterRelation.Split sp -> {
            if (sp.parent() == iv) why = "it was already split";
          }
          case IterRelation.Fuse fu -> {
            if (fu.outer() == iv || fu.inner() == iv) why = "it was already fused";
          }
        }
      }
      throw error(iv, primitive + ": axis '" + iv.var().name() + "' is not a loop of this stage (" + why
          + "); loops are " + leafNames());
    }
    return i;
  }

  private List<String> leafNames() { return leaves.stream().map(l -> l.var().name()).toList(); }

  /** Whether {@code iv} iterates a reduction (reduce axes and the loops split or fused from them). */
  static boolean isReduce(IterVar iv) { return iv.kind() == IterVar.Kind.COMM_REDUCE; }

  private static int indexOf(List<IterVar> list, IterVar iv) {
    for (int i = 0; i < list.size(); i++) if (list.get(i) == iv) return i;
    return -1;
  }

  private CompileException error(IterVar iv, String message) {
    return new CompileException(ErrorCode.INVALID_SCHEDULE, new Span(null, op.name(), null, iv.var().name()),
        "stage '" + op.name() + "': " + message);
  }

  /** The extent expression of a root iter var (for bound inference). */
  static Expr extentOf(IterVar iv) { return iv.dom().extent(); }

  @Override public String toString() { return "stage(" + op.name() + ", " + leaves + ")"; }
}
