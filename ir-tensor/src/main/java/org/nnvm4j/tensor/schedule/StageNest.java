package org.nnvm4j.tensor.schedule;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
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
    Buffer out0 = ownBuffer(0);
    List<IterVar> leaves = stage.leafIterVars();
    if (!(op.body().get(0) instanceof Reduce red)) {
      List<Stmt> stores = new ArrayList<>();
      for (int i = 0; i < op.numOutputs(); i++) {
        stores.add(new BufferStore(ownBuffer(i), loads.mutate(op.body().get(i)), idx));
      }
      Stmt body = placeChildren(guard(SeqStmt.of(stores), false), children, leaves);
      return loops(leaves, body, true);
    }
    if (op.numOutputs() != 1 || red.combiner().lhs().size() != 1) {
      throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(op.name(), op.tag()),
          "lowering of tuple-valued reductions is not supported");
    }
    int firstReduce = 0;
    while (firstReduce < leaves.size() && !Stage.isReduce(leaves.get(firstReduce))) firstReduce++;
    List<IterVar> outer = leaves.subList(0, firstReduce);
    List<IterVar> inner = leaves.subList(firstReduce, leaves.size());
    IterVar tx = ThreadAllReduce.threadAxis(stage, outer, inner);
    if (tx != null) return loops(outer, crossThread(red, tx, outer, inner, idx, loads, children, leaves), true);
    CommReducer cr = red.combiner();
    Stmt init = new BufferStore(out0, cr.identity().get(0), idx);
    init = loops(inner.stream().filter(iv -> !Stage.isReduce(iv)).toList(), guard(init, true), false);
    Map<Var, Expr> combine = new IdentityHashMap<>();
    combine.put(cr.lhs().get(0), new BufferLoad(out0, idx));
    combine.put(cr.rhs().get(0), loads.mutate(red.source().get(0)));
    Stmt update = new BufferStore(out0, substitute(cr.result().get(0), combine), idx);
    Expr cond = loads.mutate(red.condition());
    if (!IrOps.isConst(cond, 1)) update = new IfThenElse(cond, update, null);
    update = placeChildren(guard(update, false), children, leaves);
    update = loops(inner, update, true);
    return loops(outer, SeqStmt.of(init, update), true);
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

  /**
   * The reduction of a stage whose reduction loop {@code tx} is bound to a thread index: each thread reduces
   * its slice into a private accumulator, then {@link ThreadAllReduce} combines the threads' values.
   */
  private Stmt crossThread(Reduce red, IterVar tx, List<IterVar> outer, List<IterVar> inner, List<Expr> idx,
      ToBufferLoads loads, Map<Tensor, Buffer> children, List<IterVar> leaves) {
    CommReducer cr = red.combiner();
    if (op.numOutputs() != 1 || cr.lhs().size() != 1) {
      throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(op.name(), op.tag()),
          "a tuple-valued reduction across threads is not supported; keep its reduction loops serial");
    }
    Buffer out = ownBuffer(0);
    Buffer acc = ThreadAllReduce.accumulator(out);
    List<Expr> at = ThreadAllReduce.ACC_INDEX;
    Map<Var, Expr> operands = new IdentityHashMap<>();
    operands.put(cr.lhs().get(0), new BufferLoad(acc, at));
    operands.put(cr.rhs().get(0), loads.mutate(red.source().get(0)));
    Stmt step = new BufferStore(acc, substitute(cr.result().get(0), operands), at);
    Expr when = loads.mutate(red.condition());
    step = placeChildren(guard(IrOps.isConst(when, 1) ? step : new IfThenElse(when, step, null), false), children, leaves);
    Stmt perThread = SeqStmt.of(new BufferStore(acc, cr.identity().get(0), at),
        loops(inner.stream().filter(iv -> iv != tx).toList(), step, true));
    // run more than once per block (inside serial loops or another stage's loops), the tree's buffer is reused
    boolean reuse = outer.stream().anyMatch(iv -> stage.kindOf(iv) != ForKind.THREAD_BINDING) || !isRoot();
    return ThreadAllReduce.lower(stage, tx, extent.get(tx), cr, acc, perThread, out, idx, st -> guard(st, true), reuse);
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
          Expr f = sp.factor();
          extent.put(sp.outer(), IrOps.floorDiv(IrOps.add(ext, IrOps.sub(f, IrOps.one(f.dtype()))), f));
          extent.put(sp.inner(), f);
          Expr rem = IrOps.floorMod(ext, f);
          if (!IrOps.isConst(rem, 0)) guarded.add(sp.parent());
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
            IrOps.add(IrOps.mul(value.get(sp.outer()), sp.factor()), value.get(sp.inner())));
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
