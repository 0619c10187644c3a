package org.nnvm4j.tensor.schedule;

import java.util.ArrayList;
import java.util.Arrays;
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
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.ExprMutator;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.ProducerLoad;
import org.nnvm4j.tensor.tir.Var;

/**
 * The schedule of a tensor-expression program: one {@link Stage} per operation reachable from the
 * outputs, in topological order (producers first). Created with {@link #create}; the primitives on
 * its stages record transformations that {@link Lower} applies.
 */
public final class Schedule {
  private final List<Operation> outputs;
  private final List<Stage> stages = new ArrayList<>();
  private final Map<Operation, Stage> byOp = new IdentityHashMap<>();

  private Schedule(List<Operation> outputs) {
    this.outputs = List.copyOf(outputs);
    for (Operation op : outputs) visit(op);
  }

  /** The default schedule of the program that computes {@code outputs}. */
  public static Schedule create(Operation... outputs) { return new Schedule(Arrays.asList(outputs)); }

  public static Schedule create(List<Operation> outputs) { return new Schedule(outputs); }

  private void visit(Operation op) {
    if (byOp.containsKey(op)) return;
    for (Tensor t : op.inputTensors()) visit(t.op());
    Stage s = new Stage(this, op);
    byOp.put(op, s);
    stages.add(s);
  }

  public List<Operation> outputs() { return outputs; }

  /** All stages, producers before consumers. */
  public List<Stage> stages() { return List.copyOf(stages); }

  /** The stage of {@code t}'s operation. */
  public Stage get(Tensor t) { return get(t.op()); }

  /**
   * The tensor that holds {@code t}'s values now: {@code t} itself, or the output of the operation that
   * replaced {@code t}'s operation in its stage (a cache rewrite). A tensor outside the schedule (an
   * unused argument) is itself.
   */
  public Tensor resolve(Tensor t) {
    Stage s = find(t.op());
    return s == null ? t : s.op().output(t.valueIndex());
  }

  /** The stage of {@code op}, or null when {@code op} is not part of this schedule. */
  Stage find(Operation op) { return byOp.get(op); }

  /** Whether {@code consumer} reads an output of {@code producer}, directly or through other computes. */
  boolean reads(Operation consumer, Operation producer) {
    Operation p = get(producer).op();
    List<Operation> work = new ArrayList<>(List.of(get(consumer).op()));
    Set<Operation> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    while (!work.isEmpty()) {
      Operation op = work.remove(work.size() - 1);
      if (!seen.add(op)) continue;
      for (Tensor t : op.inputTensors()) {
        Operation in = resolve(t).op();
        if (in == p) return true;
        work.add(in);
      }
    }
    return false;
  }

  /**
   * Computes {@code t} into a new stage whose buffer lives in {@code scope} ({@code local}, {@code shared}
   * or {@code global}) and makes {@code t}'s stage copy it out (TVM's {@code cache_write}). Returns the
   * cache tensor; {@code get(t)} is the copying stage, whose loops are {@code t}'s data-parallel axes. Call
   * it before scheduling {@code t}'s stage.
   */
  public Tensor cacheWrite(Tensor t, String scope) {
    Stage st = get(t);
    checkScope(st, scope, "cacheWrite");
    if (!(st.op() instanceof ComputeOp c)) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(st.op().name(), null),
          "stage '" + st.op().name() + "': cacheWrite of " + st.kind() + "; only computes write");
    }
    if (st.isScheduled() || st.attachStage() != null || st.isInlined()) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(c.name(), null), "stage '" + c.name()
          + "': cacheWrite after scheduling the stage; call cacheWrite first, then schedule both stages");
    }
    List<IterVar> axis = new ArrayList<>();
    Map<Var, Expr> subst = new IdentityHashMap<>();
    for (IterVar iv : c.axis()) {
      IterVar copy = new IterVar(iv.dom(), iv.var().copy(), iv.kind());
      axis.add(copy);
      subst.put(iv.var(), copy.var());
    }
    List<Expr> body = c.body().stream().map(e -> new ExprMutator() {
      @Override protected Expr visit(Var v) { return subst.getOrDefault(v, v); }
    }.mutate(e)).toList();
    ComputeOp cache = ComputeOp.of(c.name() + "." + scope, c.tag(), c.attrs(), axis, body);
    List<Expr> idx = c.axis().stream().map(iv -> (Expr) iv.var()).toList();
    List<Expr> copies = new ArrayList<>();
    for (int i = 0; i < c.numOutputs(); i++) copies.add(cache.output(i).get(idx));
    ComputeOp copy = ComputeOp.of(c.name(), c.tag(), c.attrs(), c.axis(), copies);
    st.replaceOp(copy, true);
    byOp.put(copy, st);
    Stage cs = addStage(cache, stages.indexOf(st), scope);
    return cs.op().output(t.valueIndex());
  }

  /**
   * Copies {@code t} into a new stage whose buffer lives in {@code scope} and makes {@code readers} read
   * the copy instead of {@code t} (TVM's {@code cache_read}). Returns the cache tensor. The readers keep
   * their loops and schedules.
   */
  public Tensor cacheRead(Tensor t, String scope, List<Operation> readers) {
    Stage st = get(t);
    checkScope(st, scope, "cacheRead");
    Tensor src = resolve(t);
    if (readers.isEmpty()) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(st.op().name(), null),
          "stage '" + st.op().name() + "': cacheRead with no readers");
    }
    Tensor cache = Te.computeN(src.shape(), src::get, src.name() + "." + scope, "", Map.of());
    for (Operation r : readers) {
      Stage rs = get(r);
      if (!(rs.op() instanceof ComputeOp rc) || !(rc.inputTensors().contains(src) || rc.inputTensors().contains(t))) {
        throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(r.name(), null), "stage '" + r.name()
            + "': cacheRead of '" + src.name() + "' for a stage that does not read it");
      }
      List<Expr> body = rc.body().stream().map(e -> new ExprMutator() {
        @Override
        protected Expr visit(ProducerLoad n) {
          List<Expr> idx = mutateAll(n.indices());
          return n.producer() == src || n.producer() == t ? cache.get(idx) : idx == n.indices() ? n : new ProducerLoad(n.producer(), idx);
        }
      }.mutate(e)).toList();
      ComputeOp updated = ComputeOp.of(rc.name(), rc.tag(), rc.attrs(), rc.axis(), body);
      rs.replaceOp(updated, false);
      byOp.put(updated, rs);
    }
    addStage(cache.op(), stages.indexOf(st) + 1, scope);
    return cache;
  }

  /**
   * Factors the reduction loop {@code axis} (a root reduction axis or a loop split from one) of {@code t}'s
   * stage out into a new stage of partial results indexed by it, which {@code t}'s stage then reduces (TVM's
   * {@code rfactor}). Returns the partial-result tensor, whose first axis is {@code axis}'s; its loops can
   * then be scheduled (parallel, vectorize) on their own. {@code t}'s stage starts unscheduled again.
   */
  public Tensor rfactor(Tensor t, IterVar axis) {
    Stage st = get(t);
    Tensor rf = RFactor.apply(this, t, axis);
    byOp.put(st.op(), st); // the stage now holds the op that reduces the partials (so computeAt into it finds it)
    return rf;
  }

  Stage addComputeStageBefore(Operation op, Stage consumer) {
    return addStage(op, stages.indexOf(consumer), "global");
  }

  private Stage addStage(Operation op, int at, String scope) {
    Stage s = new Stage(this, op);
    s.setScope(scope);
    byOp.put(op, s);
    stages.add(at, s);
    return s;
  }

  private static void checkScope(Stage st, String scope, String primitive) {
    if (!SCOPES.contains(scope)) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(st.op().name(), null), "stage '"
          + st.op().name() + "': " + primitive + " to scope '" + scope + "'; expected one of " + SCOPES);
    }
  }

  static final List<String> SCOPES = List.of("global", "shared", "local");

  public Stage get(Operation op) {
    Stage s = byOp.get(op);
    if (s == null) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(op.name(), null),
          "operation '" + op.name() + "' is not part of this schedule");
    }
    return s;
  }
}
