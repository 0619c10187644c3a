package org.nnvm4j.tensor.schedule;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Operation;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.AttrStmt;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.CommReducer;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.ExprMutator;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.Intrinsics;
import org.nnvm4j.tensor.tir.IfThenElse;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.LetStmt;
import org.nnvm4j.tensor.tir.ProducerLoad;
import org.nnvm4j.tensor.tir.Range;
import org.nnvm4j.tensor.tir.Reduce;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StmtExprVisitor;
import org.nnvm4j.tensor.tir.StmtMutator;
import org.nnvm4j.tensor.tir.Var;

/**
 * Builds the loop nest of one compute stage for {@link Lower}, with the nests of the stages computed at
 * its loops ({@link Stage#computeAt}) placed inside them. A stage computed at a loop gets a buffer of the
 * region its consumer reads there ({@link Regions}); it stores at offsets from that region's start.
 */
final class StageNest {
  private final Stage stage;
  private final ComputeOp op;
  private final Ctx ctx;
  /** The region this stage computes, per data-parallel axis; the whole domain at the root. */
  private final List<Range> region;
  /** Whether this stage's region may reach past its domain (its consumer's loops overrun theirs). */
  private final boolean mayOverrun;
  private final Map<IterVar, Expr> extent = new IdentityHashMap<>();
  private final Map<IterVar, Expr> value = new IdentityHashMap<>();
  private final List<IterVar> guarded = new ArrayList<>();
  private final Map<IterVar, List<Stmt>> attached = new IdentityHashMap<>();
  /** The threadIdx-bound loop vars of the stages this one is computed inside, with their extents. */
  private final Map<Var, Expr> threads = new IdentityHashMap<>();

  /** What every nest of one lowering shares: buffers of root tensors, inlined ops, and the schedule. */
  record Ctx(Schedule schedule, Map<Tensor, Buffer> buffers, Map<Operation, Stage> inlined) {}

  private StageNest(Stage stage, Ctx ctx, List<Range> region, boolean mayOverrun) {
    this.stage = stage;
    this.op = (ComputeOp) stage.op();
    this.ctx = ctx;
    this.region = region;
    this.mayOverrun = mayOverrun;
  }

  /** The nest of a stage computed at the root. */
  static Stmt root(Stage stage, Ctx ctx) {
    ComputeOp c = (ComputeOp) stage.op();
    return new StageNest(stage, ctx, c.axis().stream().map(IterVar::dom).toList(), false).build();
  }

  /** The nest of a root stage restricted to row {@code t} of its first axis (one step of a scan's update). */
  static Stmt row(Stage stage, Ctx ctx, Var t) {
    ComputeOp c = (ComputeOp) stage.op();
    List<Range> region = new ArrayList<>(c.axis().stream().map(IterVar::dom).toList());
    region.set(0, new Range(t, IrOps.one(t.dtype())));
    return new StageNest(stage, ctx, region, false).build();
  }

  Stmt build() {
    List<IterVar> roots = new ArrayList<>(op.axis());
    roots.addAll(op.reduceAxis());
    inferExtents(roots);
    deriveValues();
    Map<Var, Expr> subst = new IdentityHashMap<>();
    List<Expr> idx = new ArrayList<>();
    for (int d = 0; d < op.axis().size(); d++) {
      IterVar iv = op.axis().get(d);
      subst.put(iv.var(), IrOps.add(region.get(d).min(), value.get(iv)));
      idx.add(isRoot() ? subst.get(iv.var()) : value.get(iv));
    }
    for (IterVar iv : op.reduceAxis()) subst.put(iv.var(), IrOps.add(iv.dom().min(), value.get(iv)));
    Map<Tensor, Buffer> children = childBuffers();
    ToBufferLoads loads = new ToBufferLoads(subst, children);
    List<IterVar> leaves = stage.leafIterVars();
    if (!(op.body().get(0) instanceof Reduce red)) {
      List<Stmt> stores = new ArrayList<>();
      for (int i = 0; i < op.numOutputs(); i++) {
        stores.add(new BufferStore(ownBuffer(i), loads.mutate(op.body().get(i)), idx));
      }
      Stmt body = placeChildren(guard(SeqStmt.of(stores), false), children, leaves);
      return loops(leaves, body, true);
    }
    int firstReduce = 0;
    while (firstReduce < leaves.size() && !Stage.isReduce(leaves.get(firstReduce))) firstReduce++;
    List<IterVar> outer = leaves.subList(0, firstReduce);
    List<IterVar> inner = leaves.subList(firstReduce, leaves.size());
    CommReducer cr = red.combiner();
    int arity = cr.lhs().size();
    InternalCompilerError.check(op.numOutputs() == arity, "compute %s: %d outputs for a reducer of %d values",
        op.name(), op.numOutputs(), arity);
    Buffer out0 = ownBuffer(0);
    IterVar tx = ThreadAllReduce.threadAxis(stage, outer, inner);
    if (tx != null && arity != 1) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(op.name(), null), "stage '" + op.name()
          + "' reduces a tuple of " + arity + " values across threads (axis bound to " + stage.kindOf(tx) + "); only single-valued"
          + " reductions can be reduced across threads");
    }
    Buffer acc = tx == null ? out0 : ThreadAllReduce.accumulator(out0);
    Stmt init;
    Stmt update;
    Map<Var, Expr> combine = new IdentityHashMap<>();
    if (tx == null) {
      List<Stmt> inits = new ArrayList<>();
      for (int i = 0; i < arity; i++) {
        inits.add(new BufferStore(ownBuffer(i), cr.identity().get(i), idx));
        combine.put(cr.lhs().get(i), new BufferLoad(ownBuffer(i), idx));
        combine.put(cr.rhs().get(i), loads.mutate(red.source().get(i)));
      }
      init = loops(inner.stream().filter(iv -> !Stage.isReduce(iv)).toList(), guard(SeqStmt.of(inits), true), false);
      update = tupleUpdate(cr, combine, idx);
    } else {
      List<Expr> at = ThreadAllReduce.ACC_INDEX;
      init = new BufferStore(acc, cr.identity().get(0), at);
      combine.put(cr.lhs().get(0), new BufferLoad(acc, at));
      combine.put(cr.rhs().get(0), loads.mutate(red.source().get(0)));
      update = new BufferStore(acc, substitute(cr.result().get(0), combine), at);
    }
    Expr cond = loads.mutate(red.condition());
    if (!IrOps.isConst(cond, 1)) update = new IfThenElse(cond, update, null);
    update = placeChildren(guard(update, false), children, leaves);
    if (tx != null) {
      Stmt perThread = SeqStmt.of(init, loops(inner.stream().filter(iv -> iv != tx).toList(), update, true));
      boolean reuse = outer.stream().anyMatch(iv -> stage.kindOf(iv) != ForKind.THREAD_BINDING) || !isRoot();
      return loops(outer, ThreadAllReduce.lower(stage, tx, extent.get(tx), cr, acc, perThread, out0, idx,
          st -> guard(st, true), reuse), true);
    }
    update = loops(inner, update, true);
    return loops(outer, SeqStmt.of(init, update), true);
  }

  /**
   * The update of a reduction's accumulators. A tuple-valued one binds the old values and the incoming ones
   * to lets, then every new value, before it stores any, because each new value is a function of all the old
   * ones (argmax's index depends on the values).
   */
  private Stmt tupleUpdate(CommReducer cr, Map<Var, Expr> combine, List<Expr> idx) {
    int arity = cr.lhs().size();
    if (arity == 1) return new BufferStore(ownBuffer(0), substitute(cr.result().get(0), combine), idx);
    List<Var> bound = new ArrayList<>();
    List<Expr> values = new ArrayList<>();
    Map<Var, Expr> named = new IdentityHashMap<>();
    for (List<Var> side : List.of(cr.lhs(), cr.rhs())) {
      for (int i = 0; i < arity; i++) {
        Var v = new Var(op.output(i).name() + (side == cr.lhs() ? "_acc" : "_in"), side.get(i).dtype());
        bound.add(v);
        values.add(combine.get(side.get(i)));
        named.put(side.get(i), v);
      }
    }
    List<Stmt> stores = new ArrayList<>();
    for (int i = 0; i < arity; i++) {
      Var v = new Var(op.output(i).name() + "_new", cr.lhs().get(i).dtype());
      bound.add(v);
      values.add(substitute(cr.result().get(i), named));
      stores.add(new BufferStore(ownBuffer(i), v, idx));
    }
    Stmt body = SeqStmt.of(stores);
    for (int i = bound.size() - 1; i >= 0; i--) body = new LetStmt(bound.get(i), values.get(i), body);
    return body;
  }

  private boolean isRoot() { return stage.attachStage() == null; }

  private Buffer ownBuffer(int i) {
    Buffer b = ctx.buffers().get(op.output(i));
    if (b == null) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(op.name(), null), "stage '" + op.name()
          + "' is computed at stage '" + stage.attachStage().op().name() + "' but has "
          + op.numOutputs() + " outputs; computeAt supports single-output computes");
    }
    return b;
  }

  /** Whole-extent stand-in buffers for the outputs of stages computed at this one, until regions are known. */
  private Map<Tensor, Buffer> childBuffers() {
    Map<Tensor, Buffer> m = new IdentityHashMap<>();
    for (Stage s : ctx.schedule().stages()) {
      if (s.attachStage() != stage || s.isInlined()) continue;
      if (s.op().numOutputs() != 1) {
        throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(s.op().name(), null), "stage '"
            + s.op().name() + "': computeAt of a compute with " + s.op().numOutputs() + " outputs is not supported");
      }
      Tensor t = s.op().output(0);
      m.put(t, Buffer.of(t.name(), t.dtype(), t.shape()));
    }
    return m;
  }

  /**
   * Infers the region of each child from the loads of its stand-in buffer in {@code body}, rewrites those
   * loads to the child's region buffer, and records the child's nest (inside its allocation) for the loop
   * it is attached to.
   */
  private Stmt placeChildren(Stmt body, Map<Tensor, Buffer> children, List<IterVar> leaves) {
    for (Map.Entry<Tensor, Buffer> e : children.entrySet()) {
      Stage child = ctx.schedule().get(e.getKey());
      Buffer whole = e.getValue();
      List<List<Expr>> accesses = new ArrayList<>();
      new StmtExprVisitor() {
        @Override
        protected void visitLoad(BufferLoad n) {
          if (n.buffer() == whole) accesses.add(n.indices());
          super.visitLoad(n);
        }
      }.visit(body);
      int at = leaves.indexOf(child.attachAxis());
      Map<Var, Expr> relaxed = new IdentityHashMap<>();
      for (IterVar iv : leaves.subList(at + 1, leaves.size())) relaxed.put(iv.var(), extent.get(iv));
      Map<Var, Expr> outerThreads = new IdentityHashMap<>(threads);
      for (IterVar iv : leaves.subList(0, at + 1)) {
        if (stage.threadTagOf(iv).startsWith("threadIdx")) outerThreads.put(iv.var(), extent.get(iv));
      }
      // a shared buffer serves the whole block: the region of every thread of it
      if (child.scope().equals("shared")) relaxed.putAll(outerThreads);
      List<Range> childRegion = Regions.infer(accesses, whole.shape(), relaxed);
      Buffer local = new Buffer(whole.name(), whole.dtype(),
          child.storageShape(childRegion.stream().map(Range::extent).toList()), child.scope());
      body = new StmtMutator() {
        @Override
        protected Expr visit(BufferLoad n) {
          List<Expr> idx = mutateAll(n.indices());
          if (n.buffer() != whole) return idx == n.indices() ? n : new BufferLoad(n.buffer(), idx);
          List<Expr> off = new ArrayList<>();
          for (int d = 0; d < idx.size(); d++) off.add(IrOps.sub(idx.get(d), childRegion.get(d).min()));
          return new BufferLoad(local, off);
        }
      }.mutate(body);
      Map<Tensor, Buffer> inner = new IdentityHashMap<>(ctx.buffers());
      inner.put(e.getKey(), local);
      Ctx childCtx = new Ctx(ctx.schedule(), inner, ctx.inlined());
      StageNest childNest = new StageNest(child, childCtx, childRegion, mayOverrun || !guarded.isEmpty());
      childNest.threads.putAll(outerThreads);
      Stmt nest = childNest.build();
      attached.computeIfAbsent(child.attachAxis(), k -> new ArrayList<>()).add(new Allocate(local, nest));
    }
    return body;
  }

  /** {@code body} under the guards of non-divisible splits and of the domain (only data-parallel ones when asked). */
  private Stmt guard(Stmt body, boolean dataParallelOnly) {
    Expr guard = null;
    for (IterVar iv : guarded) {
      if (dataParallelOnly && Stage.isReduce(iv)) continue;
      guard = and(guard, IrOps.lt(value.get(iv), extent.get(iv)));
    }
    if (mayOverrun) {
      for (int d = 0; d < op.axis().size(); d++) {
        IterVar iv = op.axis().get(d);
        Expr at = IrOps.add(region.get(d).min(), value.get(iv));
        guard = and(guard, IrOps.lt(at, IrOps.add(iv.dom().min(), iv.dom().extent())));
      }
    }
    return guard == null ? body : new IfThenElse(guard, body, null);
  }

  private static Expr and(Expr a, Expr b) { return a == null ? b : IrOps.and(a, b); }

  /** {@code body} inside the loops of {@code ivs}, the first outermost, with the attached nests when asked. */
  private Stmt loops(List<IterVar> ivs, Stmt body, boolean withAttached) {
    for (int i = ivs.size() - 1; i >= 0; i--) {
      IterVar iv = ivs.get(i);
      List<Stmt> here = withAttached ? attached.get(iv) : null;
      if (here != null) {
        // a shared buffer is written by some threads and read by others: barriers before (the last
        // iteration's readers are done) and after (the writers are done)
        boolean shared = here.stream().anyMatch(a -> ((Allocate) a).buffer().scope().equals("shared"));
        List<Stmt> seq = new ArrayList<>();
        if (shared) seq.add(Intrinsics.storageSync("shared"));
        for (Stmt a : here) seq.add(((Allocate) a).body());
        if (shared) seq.add(Intrinsics.storageSync("shared"));
        seq.add(body);
        body = SeqStmt.of(seq);
        for (int k = here.size() - 1; k >= 0; k--) body = new Allocate(((Allocate) here.get(k)).buffer(), body);
      }
      Expr ext = extent.get(iv);
      body = new For(iv.var(), IrOps.zero(ext.dtype()), ext, stage.kindOf(iv), stage.threadTagOf(iv), body);
      List<Stage.Pragma> ps = stage.pragmasOf(iv);
      for (int k = ps.size() - 1; k >= 0; k--) body = new AttrStmt(iv.var(), "pragma_" + ps.get(k).key(), ps.get(k).value(), body);
    }
    return body;
  }

  /** Extents of every iter var, from the root axes (the region's extents) down through the relations. */
  private void inferExtents(List<IterVar> roots) {
    for (IterVar iv : roots) extent.put(iv, iv.dom().extent());
    for (int d = 0; d < op.axis().size(); d++) extent.put(op.axis().get(d), region.get(d).extent());
    for (IterRelation r : stage.relations()) {
      switch (r) {
        case IterRelation.Split sp -> {
          Expr ext = extent.get(sp.parent());
          extent.put(sp.outer(), sp.outerExtent(ext));
          extent.put(sp.inner(), sp.innerExtent(ext));
          if (!sp.isExact(ext)) guarded.add(sp.parent());
        }
        case IterRelation.Fuse fu -> extent.put(fu.fused(), IrOps.mul(extent.get(fu.outer()), extent.get(fu.inner())));
      }
    }
  }

  /** Values (offsets from the region's or domain's min) of the root iter vars in terms of the leaf loop vars. */
  private void deriveValues() {
    for (IterVar iv : stage.leafIterVars()) value.put(iv, iv.var());
    List<IterRelation> rels = stage.relations();
    for (int i = rels.size() - 1; i >= 0; i--) {
      switch (rels.get(i)) {
        case IterRelation.Split sp -> value.put(sp.parent(),
            IrOps.add(IrOps.mul(value.get(sp.outer()), extent.get(sp.inner())), value.get(sp.inner())));
        case IterRelation.Fuse fu -> {
          Expr f = value.get(fu.fused());
          Expr inner = extent.get(fu.inner());
          value.put(fu.outer(), IrOps.floorDiv(f, inner));
          value.put(fu.inner(), IrOps.floorMod(f, inner));
        }
      }
    }
  }

  static Expr substitute(Expr e, Map<Var, Expr> subst) {
    return new ExprMutator() {
      @Override protected Expr visit(Var v) { return subst.getOrDefault(v, v); }
    }.mutate(e);
  }

  /**
   * Replaces loads of tensors by loads of their buffers (or, for inlined tensors, by their bodies at
   * the loaded indices) and root axis vars by their values.
   */
  private final class ToBufferLoads extends ExprMutator {
    private final Map<Var, Expr> subst;
    private final Map<Tensor, Buffer> children;

    ToBufferLoads(Map<Var, Expr> subst, Map<Tensor, Buffer> children) {
      this.subst = subst;
      this.children = children;
    }

    @Override protected Expr visit(Var v) { return subst.getOrDefault(v, v); }

    @Override
    protected Expr visit(ProducerLoad n) {
      Tensor t = ctx.schedule().resolve((Tensor) n.producer());
      if (ctx.inlined().containsKey(t.op())) {
        ComputeOp c = (ComputeOp) t.op();
        Map<Var, Expr> at = new IdentityHashMap<>();
        for (int d = 0; d < c.axis().size(); d++) at.put(c.axis().get(d).var(), n.indices().get(d));
        return mutate(substitute(c.body().get(t.valueIndex()), at));
      }
      Buffer b = children.containsKey(t) ? children.get(t) : ctx.buffers().get(t);
      if (b == null) {
        Stage p = ctx.schedule().get(t);
        throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(t.op().name(), null), "stage '"
            + t.op().name() + "' is computed at stage '" + p.attachStage().op().name() + "' (axis '"
            + p.attachAxis().var().name() + "') but stage '" + op.name() + "' reads it too; compute it at the root");
      }
      return new BufferLoad(b, mutateAll(n.indices()));
    }
  }
}
