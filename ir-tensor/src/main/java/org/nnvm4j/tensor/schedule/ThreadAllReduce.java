package org.nnvm4j.tensor.schedule;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.CommReducer;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.IfThenElse;
import org.nnvm4j.tensor.tir.Intrinsics;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.Var;

/**
 * The lowering of a reduction whose loop is bound to a GPU thread index (TVM's {@code tvm_thread_allreduce}
 * after {@code LowerThreadAllreduce}): each of the block's {@code T} threads reduces its slice (the other
 * reduction loops) into a private accumulator, writes it to a {@code shared} buffer of {@code T} partials,
 * and the partials are combined by a tree, {@code red[t] = red[t] + red[t + s]} for {@code t < s}, halving
 * {@code s} with a barrier after every step; thread 0 stores the result. Each phase is its own thread-bound
 * loop with barriers between them, so the same TIR run one thread after another (the interpreter) computes
 * the same values as the block in parallel.
 */
final class ThreadAllReduce {
  private ThreadAllReduce() {}

  /**
   * The reduction leaf of {@code inner} (the reduction loops of a stage, outermost first) bound to a thread
   * index, or null when none is.
   *
   * @throws CompileException when the loops around it cannot be lowered as one cross-thread reduction
   */
  static IterVar threadAxis(Stage stage, List<IterVar> outer, List<IterVar> inner) {
    IterVar found = null;
    for (IterVar iv : inner) {
      if (stage.kindOf(iv) != ForKind.THREAD_BINDING) continue;
      if (found != null) throw error(stage, iv, "a second reduction loop bound to a thread index ('"
          + found.var().name() + "' is bound already); fuse the reduction loops first");
      found = iv;
    }
    if (found == null) return null;
    for (IterVar iv : inner) {
      if (!Stage.isReduce(iv)) throw error(stage, iv, "data-parallel loop '" + iv.var().name() + "' inside the reduction"
          + " loops of a cross-thread reduction; put the data-parallel loops outside");
    }
    for (IterVar iv : outer) {
      if (stage.threadTagOf(iv).startsWith("threadIdx")) throw error(stage, iv, "data-parallel loop '" + iv.var().name()
          + "' bound to " + stage.threadTagOf(iv) + " around a cross-thread reduction; bind it to a blockIdx");
    }
    return found;
  }

  /** The per-thread accumulator of a stage whose output buffer is {@code out}. */
  static Buffer accumulator(Buffer out) {
    return new Buffer(out.name() + ".acc", out.dtype(), List.of(IrOps.i32(1)), "local");
  }

  /** The index of the one element of {@link #accumulator}. */
  static final List<Expr> ACC_INDEX = List.of(IrOps.i32(0));

  /**
   * The cross-thread reduction of {@code out[idx]} over the thread loop {@code tx} of constant {@code extent}.
   *
   * @param perThread the thread's own reduction into {@code acc} (initialization and the serial loops)
   * @param storeGuard the guard of the final store (the data-parallel bounds)
   * @param reuse whether the statement runs more than once per block (inside serial loops), so that a
   *     barrier must keep the next round's writes from overtaking the last round's read
   */
  static Stmt lower(Stage stage, IterVar tx, Expr extent, CommReducer cr, Buffer acc, Stmt perThread, Buffer out,
      List<Expr> idx, UnaryOperator<Stmt> storeGuard, boolean reuse) {
    Long t = IrOps.asLong(extent);
    if (t == null) {
      throw error(stage, tx, "cross-thread reduction over loop '" + tx.var().name() + "' of symbolic extent " + extent
          + "; split the reduction by a constant number of threads and bind the inner loop");
    }
    String tag = stage.threadTagOf(tx);
    Buffer red = new Buffer(out.name() + ".red", out.dtype(), List.of(IrOps.i32(t)), "shared");
    List<Stmt> seq = new ArrayList<>();
    if (reuse) seq.add(Intrinsics.storageSync("shared"));
    Var v = tx.var();
    Stmt publish = new BufferStore(red, new BufferLoad(acc, ACC_INDEX), List.of(v));
    seq.add(threadLoop(v, t, tag, new Allocate(acc, SeqStmt.of(perThread, publish))));
    for (long s = t > 1 ? Long.highestOneBit(t - 1) : 0; s >= 1; s /= 2) {
      seq.add(Intrinsics.storageSync("shared"));
      Var w = v.copy();
      Map<Var, Expr> operands = new IdentityHashMap<>();
      operands.put(cr.lhs().get(0), new BufferLoad(red, List.of(w)));
      operands.put(cr.rhs().get(0), new BufferLoad(red, List.of(IrOps.add(w, IrOps.intImm(w.dtype(), s)))));
      Stmt step = new BufferStore(red, StageNest.substitute(cr.result().get(0), operands), List.of(w));
      seq.add(threadLoop(w, t, tag, new IfThenElse(IrOps.lt(w, IrOps.intImm(w.dtype(), Math.min(s, t - s))), step, null)));
    }
    // thread 0 wrote red[0] itself in the last step: it reads it without a barrier
    Var w = v.copy();
    Stmt store = storeGuard.apply(new BufferStore(out, new BufferLoad(red, List.of(IrOps.i32(0))), idx));
    seq.add(threadLoop(w, t, tag, new IfThenElse(IrOps.eq(w, IrOps.intImm(w.dtype(), 0)), store, null)));
    return new Allocate(red, SeqStmt.of(seq));
  }

  private static Stmt threadLoop(Var v, long extent, String tag, Stmt body) {
    return new For(v, IrOps.intImm(v.dtype(), 0), IrOps.intImm(v.dtype(), extent), ForKind.THREAD_BINDING, tag, body);
  }

  private static CompileException error(Stage stage, IterVar iv, String message) {
    return new CompileException(ErrorCode.INVALID_SCHEDULE, new org.nnvm4j.pass.diag.Span(null, stage.op().name(), null,
        iv.var().name()), "stage '" + stage.op().name() + "': " + message);
  }
}
