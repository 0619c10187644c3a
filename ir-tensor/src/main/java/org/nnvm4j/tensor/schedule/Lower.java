package org.nnvm4j.tensor.schedule;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Operation;
import org.nnvm4j.tensor.te.PlaceholderOp;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.CommReducer;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.ExprMutator;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.IfThenElse;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.ProducerLoad;
import org.nnvm4j.tensor.tir.Reduce;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StmtExprVisitor;
import org.nnvm4j.tensor.tir.Var;
import org.nnvm4j.tensor.transform.TirPipeline;

/**
 * Lowers a scheduled tensor-expression program to a TIR {@link PrimFunc} (TVM's {@code tvm.lower}):
 * one loop nest per stage, in producer-first order, with buffers for the arguments and allocations for
 * intermediate tensors; then the TIR pipeline ({@link TirPipeline}) runs.
 */
public final class Lower {
  private Lower() {}

  /** Lowers and runs the default TIR pipeline. */
  public static PrimFunc lower(Schedule s, List<Tensor> args, String name) {
    return lower(s, args, name, PassContext.defaults());
  }

  public static PrimFunc lower(Schedule s, List<Tensor> args, String name, PassContext ctx) {
    return TirPipeline.build().run(scheduleOps(s, args, name), ctx);
  }

  /** The loop nests of the schedule, before any TIR pass (multi-dimensional buffer accesses). */
  public static PrimFunc scheduleOps(Schedule s, List<Tensor> args, String name) {
    Map<Tensor, Buffer> buffers = new IdentityHashMap<>();
    List<Buffer> params = new ArrayList<>();
    for (Tensor t : args) {
      if (buffers.containsKey(t)) throw CompileException.invalid("function '%s': tensor %s passed twice", name, t.name());
      Buffer b = Buffer.of(t.name(), t.dtype(), t.shape());
      buffers.put(t, b);
      params.add(b);
    }
    List<Stmt> nests = new ArrayList<>();
    List<Buffer> temps = new ArrayList<>();
    Map<Operation, Stage> inlined = new IdentityHashMap<>();
    for (Stage st : s.stages()) if (st.isInlined()) inlined.put(st.op(), st);
    for (Tensor t : args) {
      if (inlined.containsKey(t.op())) {
        throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(t.op().name(), null), "function '" + name
            + "': tensor " + t.name() + " is inlined (computeInline) and has no storage; it cannot be an argument");
      }
    }
    for (Stage st : s.stages()) {
      if (st.isInlined()) continue;
      switch (st.op()) {
        case PlaceholderOp p -> {
          if (!buffers.containsKey(p.output(0))) {
            throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.node(p.name(), "placeholder"),
                "function '" + name + "' reads placeholder '" + p.name() + "' but it is not among its arguments");
          }
        }
        case ComputeOp c -> {
          for (int i = 0; i < c.numOutputs(); i++) {
            Tensor t = c.output(i);
            if (!buffers.containsKey(t)) {
              Buffer b = Buffer.of(t.name(), t.dtype(), t.shape());
              buffers.put(t, b);
              temps.add(b);
            }
          }
          nests.add(new NestBuilder(st, c, buffers, inlined).build());
        }
      }
    }
    for (Operation out : s.outputs()) {
      for (int i = 0; i < out.numOutputs(); i++) {
        if (temps.contains(buffers.get(out.output(i)))) {
          throw CompileException.invalid("function '%s': output %s is not among its arguments", name, out.output(i).name());
        }
      }
    }
    Stmt body = SeqStmt.of(nests);
    for (int i = temps.size() - 1; i >= 0; i--) body = new Allocate(temps.get(i), body);
    return new PrimFunc(name, params, shapeVars(params), body, Map.of("global_symbol", name));
  }

  /** The symbolic vars of the parameters' shapes, in order of first appearance. */
  private static List<Var> shapeVars(List<Buffer> params) {
    Set<Var> vars = new LinkedHashSet<>();
    StmtExprVisitor v = new StmtExprVisitor() {
      @Override protected void visitVar(Var var) { vars.add(var); }
    };
    for (Buffer b : params) b.shape().forEach(v::visit);
    return List.copyOf(vars);
  }

  /** Builds the loop nest of one compute stage. */
  private static final class NestBuilder {
    private final Stage stage;
    private final ComputeOp op;
    private final Map<Tensor, Buffer> buffers;
    private final Map<Operation, Stage> inlined;
    private final Map<IterVar, Expr> extent = new IdentityHashMap<>();
    private final Map<IterVar, Expr> value = new IdentityHashMap<>();
    private final List<IterVar> guarded = new ArrayList<>();

    NestBuilder(Stage stage, ComputeOp op, Map<Tensor, Buffer> buffers, Map<Operation, Stage> inlined) {
      this.stage = stage;
      this.op = op;
      this.buffers = buffers;
      this.inlined = inlined;
    }

    Stmt build() {
      List<IterVar> roots = new ArrayList<>(op.axis());
      roots.addAll(op.reduceAxis());
      inferExtents(roots);
      deriveValues();
      Map<Var, Expr> subst = new IdentityHashMap<>();
      for (IterVar iv : roots) subst.put(iv.var(), IrOps.add(iv.dom().min(), value.get(iv)));
      List<Expr> idx = op.axis().stream().map(iv -> subst.get(iv.var())).toList();
      ToBufferLoads loads = new ToBufferLoads(subst, buffers, inlined);
      List<IterVar> leaves = stage.leafIterVars();
      if (!(op.body().get(0) instanceof Reduce red)) {
        List<Stmt> stores = new ArrayList<>();
        for (int i = 0; i < op.numOutputs(); i++) {
          stores.add(new BufferStore(buffers.get(op.output(i)), loads.mutate(op.body().get(i)), idx));
        }
        return loops(leaves, guard(SeqStmt.of(stores), false));
      }
      if (op.numOutputs() != 1 || red.combiner().lhs().size() != 1) {
        throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(op.name(), op.tag()),
            "lowering of tuple-valued reductions is not supported");
      }
      Buffer out = buffers.get(op.output(0));
      int firstReduce = 0;
      while (firstReduce < leaves.size() && !Stage.isReduce(leaves.get(firstReduce))) firstReduce++;
      List<IterVar> outer = leaves.subList(0, firstReduce);
      List<IterVar> inner = leaves.subList(firstReduce, leaves.size());
      CommReducer cr = red.combiner();
      Stmt init = new BufferStore(out, cr.identity().get(0), idx);
      init = loops(inner.stream().filter(iv -> !Stage.isReduce(iv)).toList(), guard(init, true));
      Map<Var, Expr> combine = new IdentityHashMap<>();
      combine.put(cr.lhs().get(0), new BufferLoad(out, idx));
      combine.put(cr.rhs().get(0), loads.mutate(red.source().get(0)));
      Stmt update = new BufferStore(out, new Substitute(combine).mutate(cr.result().get(0)), idx);
      Expr cond = loads.mutate(red.condition());
      if (!IrOps.isConst(cond, 1)) update = new IfThenElse(cond, update, null);
      update = loops(inner, guard(update, false));
      return loops(outer, SeqStmt.of(init, update));
    }

    /** {@code body} under the guards of non-divisible splits (only data-parallel ones when asked). */
    private Stmt guard(Stmt body, boolean dataParallelOnly) {
      Expr guard = null;
      for (IterVar iv : guarded) {
        if (dataParallelOnly && Stage.isReduce(iv)) continue;
        Expr g = IrOps.lt(value.get(iv), extent.get(iv));
        guard = guard == null ? g : IrOps.and(guard, g);
      }
      return guard == null ? body : new IfThenElse(guard, body, null);
    }

    /** {@code body} inside the loops of {@code ivs}, the first outermost. */
    private Stmt loops(List<IterVar> ivs, Stmt body) {
      for (int i = ivs.size() - 1; i >= 0; i--) {
        IterVar iv = ivs.get(i);
        Expr ext = extent.get(iv);
        body = new For(iv.var(), IrOps.zero(ext.dtype()), ext, stage.kindOf(iv), stage.threadTagOf(iv), body);
      }
      return body;
    }

    /** Extents of every iter var, from the root axes down through the relations. */
    private void inferExtents(List<IterVar> roots) {
      for (IterVar iv : roots) extent.put(iv, iv.dom().extent());
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

    /** Values (offsets from the domain's min) of the root iter vars in terms of the leaf loop vars. */
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
  }

  /** Replaces vars by expressions. */
  private static final class Substitute extends ExprMutator {
    private final Map<Var, Expr> subst;

    Substitute(Map<Var, Expr> subst) { this.subst = subst; }

    @Override protected Expr visit(Var v) { return subst.getOrDefault(v, v); }
  }

  /**
   * Replaces loads of tensors by loads of their buffers (or, for inlined tensors, by their bodies at
   * the loaded indices) and root axis vars by their values.
   */
  private static final class ToBufferLoads extends ExprMutator {
    private final Map<Var, Expr> subst;
    private final Map<Tensor, Buffer> buffers;
    private final Map<Operation, Stage> inlined;

    ToBufferLoads(Map<Var, Expr> subst, Map<Tensor, Buffer> buffers, Map<Operation, Stage> inlined) {
      this.subst = subst;
      this.buffers = buffers;
      this.inlined = inlined;
    }

    @Override protected Expr visit(Var v) { return subst.getOrDefault(v, v); }

    @Override
    protected Expr visit(ProducerLoad n) {
      Tensor t = (Tensor) n.producer();
      if (inlined.containsKey(t.op())) {
        ComputeOp c = (ComputeOp) t.op();
        Map<Var, Expr> at = new IdentityHashMap<>();
        for (int d = 0; d < c.axis().size(); d++) at.put(c.axis().get(d).var(), n.indices().get(d));
        return mutate(new Substitute(at).mutate(c.body().get(t.valueIndex())));
      }
      Buffer b = buffers.get(t);
      return new BufferLoad(b, mutateAll(n.indices()));
    }
  }
}
