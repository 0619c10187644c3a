package org.nnvm4j.tensor.topi;

import static org.nnvm4j.tensor.topi.Detection.get;
import static org.nnvm4j.tensor.topi.Detection.load;
import static org.nnvm4j.tensor.topi.Detection.loop;
import static org.nnvm4j.tensor.topi.Detection.scalar;
import static org.nnvm4j.tensor.topi.Detection.set;
import static org.nnvm4j.tensor.tir.IrOps.add;
import static org.nnvm4j.tensor.tir.IrOps.and;
import static org.nnvm4j.tensor.tir.IrOps.i32;
import static org.nnvm4j.tensor.tir.IrOps.lt;
import static org.nnvm4j.tensor.tir.IrOps.mul;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.IfThenElse;
import org.nnvm4j.tensor.tir.Intrinsics;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.Var;

/**
 * The GPU form of {@link Detection#getValidCounts} and {@link Detection#nonMaxSuppression} (the role of TVM's
 * {@code topi/cuda/nms.py}): the same results, as TIR whose loops are bound to {@code blockIdx.x} and
 * {@code threadIdx.x}, so that a backend with thread binding (opencl, cuda) launches it. A work-group of
 * {@code T <= maxThreads} work-items serves one batch (or one slice of T rows); a work-item handles the rows
 * {@code tx, tx + T, ...} (or a contiguous chunk of them), so any number of boxes fits one work-group.
 *
 * <p>Each phase is a {@code threadIdx.x} loop of its own and phases that exchange data are separated by a
 * barrier, so the same TIR run one work-item after another (the interpreter) computes the same values.
 * Statements outside the {@code threadIdx.x} loops run in every work-item, and only touch per-work-item
 * scalars, whose values every work-item computes alike.
 */
public final class DetectionGpu {
  private DetectionGpu() {}

  /**
   * {@link Detection#getValidCounts} in one kernel, a work-group per batch: every work-item counts the valid rows
   * of its contiguous chunk into shared memory, then, after a barrier, places them after the valid rows of the
   * chunks before it and fills the rows from the total on with -1.
   */
  public static List<Tensor> getValidCounts(Tensor data, double scoreThreshold, int idIndex, int scoreIndex, int maxThreads,
      String name) {
    List<Expr> s = data.shape();
    int t = threads(s.get(1), maxThreads, name);
    return Te.extern(List.of(List.of(s.get(0)), s), List.of(DType.I32, data.dtype()), List.of(data), (ins, outs) -> {
      Buffer in = ins.get(0);
      Var b = new Var("b", DType.I32);
      Stmt body = compact(in, outs.get(1), b, s.get(1), i -> Detection.isValidRow(in, b, i, scoreThreshold, idIndex, scoreIndex),
          outs.get(0), t, name);
      return new For(b, i32(0), s.get(0), ForKind.THREAD_BINDING, "blockIdx.x", body);
    }, name);
  }

  /**
   * {@link Detection#nonMaxSuppression} in three kernels over two global temporaries: (1) a work-item per box
   * ranks it among the valid boxes by counting the boxes before it (higher score, or equal score and lower
   * index: a stable order, O(n^2) work but no sequential step) and copies it to its rank in {@code sorted}, the
   * first top_k ranks only; (2) a work-group per batch walks the sorted boxes in order, and for each kept one all
   * work-items test the later boxes in parallel and mark the suppressed ones (score -1), with a barrier before the
   * next box; the index after the max_output_size-th kept box goes to {@code stop}; (3) the kept boxes (before
   * stop, not suppressed) are written out in place, or moved to the top as get_valid_counts moves its rows.
   */
  public static Tensor nonMaxSuppression(Tensor data, Tensor validCount, Detection.NmsParams p, int maxThreads, String name) {
    List<Expr> s = data.shape();
    int t = threads(s.get(1), maxThreads, name);
    return Te.extern(List.of(s), List.of(data.dtype()), List.of(data, validCount), (ins, outs) -> {
      Buffer sorted = new Buffer(name + "_sorted", data.dtype(), s, "global");
      Buffer stop = new Buffer(name + "_stop", DType.I32, List.of(s.get(0)), "global");
      Stmt kernels = SeqStmt.of(sortByScore(ins.get(0), ins.get(1), sorted, p, t), suppress(ins.get(1), sorted, stop, p, t),
          keptRows(sorted, stop, outs.get(0), p, t, name));
      return new Allocate(sorted, new Allocate(stop, kernels));
    }, name).get(0);
  }

  /** The work-items per work-group: the rows, at most {@code maxThreads} (all of them where the rows are symbolic). */
  static int threads(Expr rows, int maxThreads, String name) {
    if (maxThreads < 1) throw CompileException.invalid("%s: %d threads per block; expected at least 1", name, maxThreads);
    Long n = IrOps.asLong(rows);
    return n == null ? maxThreads : (int) Math.max(1, Math.min(maxThreads, n));
  }

  /** Kernel 1: {@code sorted[b, rank(i)] = data[b, i]} for the valid boxes i whose rank is below top_k. */
  private static Stmt sortByScore(Buffer in, Buffer vc, Buffer sorted, Detection.NmsParams p, int t) {
    Expr n = in.shape().get(1);
    Expr slices = ceilDiv(n, t);
    Var bx = new Var("bx", DType.I32);
    Var tx = new Var("tx", DType.I32);
    Var j = new Var("j", DType.I32);
    Var k = new Var("k", DType.I32);
    Expr b = IrOps.floorDiv(bx, slices);
    Expr i = add(mul(IrOps.floorMod(bx, slices), i32(t)), tx);
    Buffer rank = scalar("rank");
    Expr valid = Detection.validBoxes(vc, b, n);
    Stmt rankI = SeqStmt.of(set(rank, i32(0)),
        loop(j, i32(0), valid, new IfThenElse(Detection.ranksBefore(in, b, j, i, p.layout().scoreIndex()), set(rank, add(get(rank), i32(1))), null)),
        new IfThenElse(lt(get(rank), topK(valid, p)),
            loop(k, i32(0), in.shape().get(2), new BufferStore(sorted, load(in, b, i, k), List.of(b, get(rank), k))), null));
    Stmt body = threadLoop(tx, t, new IfThenElse(lt(i, valid), new Allocate(rank, rankI), null));
    return new For(bx, i32(0), mul(in.shape().get(0), slices), ForKind.THREAD_BINDING, "blockIdx.x", body);
  }

  /**
   * Kernel 2: the greedy walk over the first top_k sorted boxes of each batch. {@code kept} and {@code last} are
   * per-work-item scalars that every work-item updates alike; a box's score is read by all work-items after the
   * barrier that follows the marks of the previous kept box, and no work-item writes it while it is visited.
   */
  private static Stmt suppress(Buffer vc, Buffer sorted, Buffer stop, Detection.NmsParams p, int t) {
    Expr n = sorted.shape().get(1);
    int score = p.layout().scoreIndex();
    Var b = new Var("b", DType.I32);
    Var i = new Var("i", DType.I32);
    Var tx = new Var("tx", DType.I32);
    Buffer kept = scalar("kept");
    Buffer last = scalar("stop_at");
    Expr nk = topK(Detection.validBoxes(vc, b, n), p);
    int max = p.maxOutputSize();
    Expr visit = Detection.isAlive(sorted, b, i, score);
    List<Stmt> keep = new ArrayList<>();
    keep.add(set(kept, add(get(kept), i32(1))));
    if (max >= 0) {
      visit = and(lt(get(kept), i32(max)), visit);
      keep.add(new IfThenElse(IrOps.eq(get(kept), i32(max)), set(last, add(i, i32(1))), null));
    }
    keep.add(threadLoop(tx, t, strided(add(i, i32(1)), nk, tx, t, j -> new IfThenElse(Detection.suppresses(sorted, b, i, j, p),
        new BufferStore(sorted, IrOps.constant(sorted.dtype(), -1), List.of(b, j, i32(score))), null))));
    keep.add(barrier());
    Var tw = new Var("tx", DType.I32);
    Stmt body = SeqStmt.of(set(kept, i32(0)), set(last, max == 0 ? i32(0) : nk),
        loop(i, i32(0), nk, new IfThenElse(visit, SeqStmt.of(keep), null)),
        threadLoop(tw, t, new IfThenElse(IrOps.eq(tw, i32(0)), new BufferStore(stop, get(last), List.of(b)), null)));
    return new For(b, i32(0), sorted.shape().get(0), ForKind.THREAD_BINDING, "blockIdx.x", new Allocate(kept, new Allocate(last, body)));
  }

  /** Kernel 3: the sorted rows before {@code stop} that are not suppressed, in place or moved to the top; -1 elsewhere. */
  private static Stmt keptRows(Buffer sorted, Buffer stop, Buffer out, Detection.NmsParams p, int t, String name) {
    List<Expr> s = sorted.shape();
    int score = p.layout().scoreIndex();
    if (p.invalidToBottom()) {
      Var b = new Var("b", DType.I32);
      Stmt body = compact(sorted, out, b, s.get(1), i -> isKept(sorted, stop, b, i, score), null, t, name);
      return new For(b, i32(0), s.get(0), ForKind.THREAD_BINDING, "blockIdx.x", body);
    }
    Expr slices = ceilDiv(s.get(1), t);
    Var bx = new Var("bx", DType.I32);
    Var tx = new Var("tx", DType.I32);
    Var k = new Var("k", DType.I32);
    Expr b = IrOps.floorDiv(bx, slices);
    Expr i = add(mul(IrOps.floorMod(bx, slices), i32(t)), tx);
    Stmt row = loop(k, i32(0), s.get(2), new BufferStore(out,
        IrOps.select(isKept(sorted, stop, b, i, score), load(sorted, b, i, k), IrOps.constant(out.dtype(), -1)), List.of(b, i, k)));
    return new For(bx, i32(0), mul(s.get(0), slices), ForKind.THREAD_BINDING, "blockIdx.x",
        threadLoop(tx, t, new IfThenElse(lt(i, s.get(1)), row, null)));
  }

  private static Expr isKept(Buffer sorted, Buffer stop, Expr b, Expr i, int score) {
    return and(lt(i, load(stop, b)), Detection.isAlive(sorted, b, i, score));
  }

  /**
   * The body of the work-group of batch {@code b} that copies the rows i < n of {@code src[b]} for which
   * {@code keep} holds, in order, to the top of {@code dst[b]} and fills the other rows with -1; with
   * {@code count} it stores their number to {@code count[b]}. Each of the {@code t} work-items owns a contiguous
   * chunk of rows: it counts its kept rows into shared memory, and after a barrier sums the counts of the chunks
   * before its own (its offset) and of all chunks (the total), then writes its rows.
   */
  private static Stmt compact(Buffer src, Buffer dst, Var b, Expr n, Function<Expr, Expr> keep, Buffer count, int t, String name) {
    Expr chunk = ceilDiv(n, t);
    Expr width = dst.shape().get(2);
    Buffer counts = new Buffer(name + "_counts", DType.I32, List.of(i32(t)), "shared");
    Buffer mine = scalar("mine");
    Buffer offset = scalar("offset");
    Buffer total = scalar("total");
    Var tc = new Var("tx", DType.I32);
    Stmt countChunk = new Allocate(mine, SeqStmt.of(set(mine, i32(0)),
        chunk(tc, chunk, n, i -> new IfThenElse(keep.apply(i), set(mine, add(get(mine), i32(1))), null)),
        new BufferStore(counts, get(mine), List.of(tc))));
    Var tw = new Var("tx", DType.I32);
    Var u = new Var("u", DType.I32);
    Var k = new Var("k", DType.I32);
    Var k2 = new Var("k", DType.I32);
    Expr c = load(counts, u);
    List<Stmt> write = new ArrayList<>();
    write.add(set(offset, i32(0)));
    write.add(set(total, i32(0)));
    write.add(loop(u, i32(0), i32(t), SeqStmt.of(set(total, add(get(total), c)),
        new IfThenElse(lt(u, tw), set(offset, add(get(offset), c)), null))));
    write.add(chunk(tw, chunk, n, i -> new IfThenElse(keep.apply(i), SeqStmt.of(
        loop(k, i32(0), width, new BufferStore(dst, load(src, b, i, k), List.of(b, get(offset), k))),
        set(offset, add(get(offset), i32(1)))), null)));
    write.add(chunk(tw, chunk, dst.shape().get(1), i -> new IfThenElse(IrOps.ge(i, get(total)),
        loop(k2, i32(0), width, new BufferStore(dst, IrOps.constant(dst.dtype(), -1), List.of(b, i, k2))), null)));
    if (count != null) write.add(new IfThenElse(IrOps.eq(tw, i32(0)), new BufferStore(count, get(total), List.of(b)), null));
    return new Allocate(counts, SeqStmt.of(threadLoop(tc, t, countChunk), Intrinsics.storageSync("shared"),
        threadLoop(tw, t, new Allocate(offset, new Allocate(total, SeqStmt.of(write))))));
  }

  /** {@code body(i)} for the rows {@code i = start + tx, start + tx + t, ...} below {@code end}: neighbouring work-items on neighbouring rows. */
  private static Stmt strided(Expr start, Expr end, Var tx, int t, Function<Expr, Stmt> body) {
    Var q = new Var("q", DType.I32);
    Expr i = add(start, add(mul(q, i32(t)), tx));
    return loop(q, i32(0), ceilDiv(IrOps.sub(end, start), t), new IfThenElse(lt(i, end), body.apply(i), null));
  }

  /** {@code body(i)} for the rows of work-item {@code tx}'s chunk, {@code [tx c, tx c + c)}, below {@code end}. */
  private static Stmt chunk(Var tx, Expr c, Expr end, Function<Expr, Stmt> body) {
    Var q = new Var("q", DType.I32);
    Expr i = add(mul(tx, c), q);
    return loop(q, i32(0), c, new IfThenElse(lt(i, end), body.apply(i), null));
  }

  private static Stmt threadLoop(Var tx, int t, Stmt body) {
    return new For(tx, i32(0), i32(t), ForKind.THREAD_BINDING, "threadIdx.x", body);
  }

  /**
   * A barrier of the work-group whose writes to global memory are visible to its work-items after it (the marks
   * of suppressed boxes; the OpenCL codegen writes {@code barrier(CLK_GLOBAL_MEM_FENCE)}, CUDA's
   * {@code __syncthreads()} covers both).
   */
  private static Stmt barrier() { return Intrinsics.storageSync("global"); }

  private static Expr topK(Expr valid, Detection.NmsParams p) {
    return p.topK() >= 0 ? IrOps.min(valid, i32(p.topK())) : valid;
  }

  private static Expr ceilDiv(Expr a, int t) { return IrOps.floorDiv(add(a, i32(t - 1)), i32(t)); }
}
