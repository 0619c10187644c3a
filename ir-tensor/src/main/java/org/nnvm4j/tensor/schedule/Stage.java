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
  private final Operation op;
  private final List<IterVar> leaves = new ArrayList<>();
  private final List<IterRelation> relations = new ArrayList<>();
  private final Map<IterVar, ForKind> kinds = new IdentityHashMap<>();
  private final Map<IterVar, String> threadTags = new IdentityHashMap<>();
  private boolean inlined;

  Stage(Schedule schedule, Operation op) {
    this.schedule = schedule;
    this.op = op;
    if (op instanceof ComputeOp c) {
      leaves.addAll(c.axis());
      leaves.addAll(c.reduceAxis());
    }
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
    int pos = leafIndex(parent, "split");
    if (factor < 1) throw error(parent, "split of axis '" + parent.var().name() + "': factor must be >= 1, was " + factor);
    IterVar outer = new IterVar(null, new Var(parent.var().name() + ".outer", parent.var().dtype()), parent.kind());
    IterVar inner = new IterVar(null, new Var(parent.var().name() + ".inner", parent.var().dtype()), parent.kind());
    relations.add(new IterRelation.Split(parent, outer, inner, IrOps.intImm(parent.var().dtype(), factor)));
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
          "stage '" + op.name() + "': computeInline of a placeholder; only computes can be inlined");
    }
    if (!c.reduceAxis().isEmpty()) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, new Span(null, op.name(), null, null),
          "stage '" + op.name() + "': computeInline of a reduction; only injective computes can be inlined");
    }
    for (Operation out : schedule.outputs()) {
      if (out == op) {
        throw new CompileException(ErrorCode.INVALID_SCHEDULE, new Span(null, op.name(), null, null),
            "stage '" + op.name() + "': computeInline of an output of the schedule; its values must be stored");
      }
    }
    inlined = true;
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
    if (isReduce(iv)) {
      throw error(iv, "bind: axis '" + iv.var().name() + "' is a reduction axis; cross-thread reductions are not supported");
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
