package org.nnvm4j.tensor.schedule;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.ExprMutator;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.Range;
import org.nnvm4j.tensor.tir.Reduce;
import org.nnvm4j.tensor.tir.Var;

/**
 * {@link Schedule#rfactor}: turns the reduction loop {@code axis} of a stage into a data-parallel axis of a
 * new "rf" stage of partial results, {@code C.rf[axis, i..] = reduce over the other reduction loops}, and
 * makes the stage reduce those partials, {@code C[i..] = reduce over r of C.rf[r, i..]} (TVM's {@code rfactor}).
 */
final class RFactor {
  private RFactor() {}

  static Tensor apply(Schedule s, Tensor t, IterVar axis) {
    Stage st = s.get(t);
    String name = st.op().name();
    if (!(st.op() instanceof ComputeOp c) || !(c.body().get(0) instanceof Reduce red) || c.numOutputs() != 1
        || red.combiner().lhs().size() != 1) {
      throw error(name, axis, "rfactor of a stage that is not a single-valued reduction");
    }
    List<IterVar> leaves = st.leafIterVars();
    if (!leaves.contains(axis) || !Stage.isReduce(axis)) {
      throw error(name, axis, "rfactor: axis '" + axis.var().name() + "' is not a reduction loop of this stage; loops are "
          + leaves.stream().map(l -> l.var().name()).toList());
    }
    Map<IterVar, Expr> extent = new IdentityHashMap<>();
    for (IterVar iv : red.axis()) extent.put(iv, iv.dom().extent());
    List<Expr> guards = new ArrayList<>();
    for (IterRelation r : st.relations()) {
      if (!(r instanceof IterRelation.Split sp) || !Stage.isReduce(sp.parent())) {
        throw error(name, axis, "rfactor after scheduling the data-parallel axes or fusing; call rfactor first");
      }
      Expr ext = extent.get(sp.parent());
      extent.put(sp.outer(), sp.outerExtent(ext));
      extent.put(sp.inner(), sp.innerExtent(ext));
    }
    // the rf stage: axis becomes data-parallel, the other reduction loops stay reductions
    IterVar rfAxis = new IterVar(Range.fromExtent(extent.get(axis)), axis.var().copy(), IterVar.Kind.DATA_PAR);
    Map<IterVar, Expr> value = new IdentityHashMap<>();
    List<IterVar> rfAxes = new ArrayList<>(List.of(rfAxis));
    Map<Var, Expr> subst = new IdentityHashMap<>();
    for (IterVar iv : c.axis()) {
      IterVar copy = new IterVar(iv.dom(), iv.var().copy(), IterVar.Kind.DATA_PAR);
      rfAxes.add(copy);
      subst.put(iv.var(), copy.var());
    }
    List<IterVar> rfReduce = new ArrayList<>();
    for (IterVar leaf : leaves) {
      if (!Stage.isReduce(leaf)) continue;
      if (leaf == axis) {
        value.put(leaf, rfAxis.var());
      } else {
        IterVar r = new IterVar(Range.fromExtent(extent.get(leaf)), leaf.var().copy(), IterVar.Kind.COMM_REDUCE);
        rfReduce.add(r);
        value.put(leaf, r.var());
      }
    }
    List<IterRelation> rels = st.relations();
    for (int i = rels.size() - 1; i >= 0; i--) {
      IterRelation.Split sp = (IterRelation.Split) rels.get(i);
      Expr v = IrOps.add(IrOps.mul(value.get(sp.outer()), extent.get(sp.inner())), value.get(sp.inner()));
      value.put(sp.parent(), v);
      if (!sp.isExact(extent.get(sp.parent()))) {
        guards.add(IrOps.lt(v, extent.get(sp.parent())));
      }
    }
    for (IterVar iv : red.axis()) subst.put(iv.var(), IrOps.add(iv.dom().min(), value.get(iv)));
    ExprMutator sub = new ExprMutator() {
      @Override protected Expr visit(Var v) { return subst.getOrDefault(v, v); }
    };
    Expr cond = sub.mutate(red.condition());
    for (Expr g : guards) cond = IrOps.and(cond, g);
    Reduce partial = new Reduce(red.combiner(), List.of(sub.mutate(red.source().get(0))), rfReduce, cond, 0);
    ComputeOp rf = ComputeOp.of(name + ".rf", c.tag(), c.attrs(), rfAxes, List.of(partial));
    // the stage itself now reduces the partials
    IterVar r = new IterVar(Range.fromExtent(extent.get(axis)), new Var(axis.var().name() + ".v", axis.var().dtype()),
        IterVar.Kind.COMM_REDUCE);
    List<Expr> idx = new ArrayList<>(List.of(r.var()));
    c.axis().forEach(iv -> idx.add(iv.var()));
    Reduce total = new Reduce(red.combiner(), List.of(rf.output(0).get(idx)), List.of(r), IrOps.bool(true), 0);
    ComputeOp whole = ComputeOp.of(name, c.tag(), c.attrs(), c.axis(), List.of(total));
    st.replaceOp(whole, true);
    return s.addComputeStageBefore(rf, st).op().output(0);
  }

  private static CompileException error(String stage, IterVar axis, String message) {
    return new CompileException(ErrorCode.INVALID_SCHEDULE, new Span(null, stage, null, axis.var().name()),
        "stage '" + stage + "': " + message);
  }
}
