package org.nnvm4j.tensor.topi;

import static org.nnvm4j.tensor.tir.IrOps.add;
import static org.nnvm4j.tensor.tir.IrOps.and;
import static org.nnvm4j.tensor.tir.IrOps.i32;
import static org.nnvm4j.tensor.tir.IrOps.sub;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.IfThenElse;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.Let;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.Var;

/**
 * Detection post-processing of NNVM level 5 (TVM semantics, fixed-size outputs): {@code get_valid_counts}
 * and the greedy {@code non_max_suppression}, written as hand-written sequential TIR ({@link Te#extern}).
 * Boxes are rows of {@code data [batch, num_anchors, K]}; a row that is not a box holds -1 in every element.
 */
public final class Detection {
  private Detection() {}

  /** Where the class id, the score and the four corners (x1, y1, x2, y2) sit in a box row; {@code idIndex} < 0: no class. */
  public record BoxLayout(int coordStart, int scoreIndex, int idIndex) {}

  /** The attributes of {@link #nonMaxSuppression}; {@code topK} and {@code maxOutputSize} < 0 mean no bound. */
  public record NmsParams(double iouThreshold, boolean forceSuppress, int topK, int maxOutputSize, BoxLayout layout,
      boolean invalidToBottom) {}

  /**
   * The rows of {@code data [B, N, K]} whose score exceeds {@code scoreThreshold} (and whose class id, with
   * {@code idIndex >= 0}, is not negative), moved to the top in their order: [valid_count [B] int32, out [B, N, K]],
   * the rows below valid_count all -1.
   */
  public static List<Tensor> getValidCounts(Tensor data, double scoreThreshold, int idIndex, int scoreIndex, String name) {
    List<Expr> s = data.shape();
    DType t = data.dtype();
    return Te.extern(List.of(List.of(s.get(0)), s), List.of(DType.I32, t), List.of(data), (ins, outs) -> {
      Buffer in = ins.get(0);
      Buffer count = outs.get(0);
      Buffer out = outs.get(1);
      Buffer n = scalar("n");
      Var b = new Var("b", DType.I32);
      Var i = new Var("i", DType.I32);
      Var k = new Var("k", DType.I32);
      Expr valid = isValidRow(in, b, i, scoreThreshold, idIndex, scoreIndex);
      Stmt copy = SeqStmt.of(
          loop(k, i32(0), s.get(2), new BufferStore(out, load(in, b, i, k), List.of(b, get(n), k))),
          set(n, add(get(n), i32(1))));
      Stmt fill = loop(i, get(n), sub(s.get(1), get(n)), loop(k, i32(0), s.get(2), new BufferStore(out, IrOps.constant(t, -1), List.of(b, i, k))));
      Stmt batch = SeqStmt.of(set(n, i32(0)), loop(i, i32(0), s.get(1), new IfThenElse(valid, copy, null)),
          new BufferStore(count, get(n), List.of(b)), fill);
      return loop(b, i32(0), s.get(0), new Allocate(n, batch));
    }, name);
  }

  /**
   * Greedy non-maximum suppression of {@code data [B, N, K]} whose first {@code validCount[b]} rows are boxes:
   * they are ordered by score (descending, ties by position), cut to top_k, and each kept box (while fewer than
   * max_output_size are kept) suppresses the later boxes of its class (any class with force_suppress) whose IoU
   * with it is at least iou_threshold. Rows with a negative score are not boxes. Suppressed and dropped rows become -1; with invalid_to_bottom the kept rows
   * move to the top in score order.
   */
  public static Tensor nonMaxSuppression(Tensor data, Tensor validCount, NmsParams p, String name) {
    List<Expr> s = data.shape();
    DType t = data.dtype();
    BoxLayout l = p.layout();
    return Te.extern(List.of(s), List.of(t), List.of(data, validCount), (ins, outs) -> {
      Buffer in = ins.get(0);
      Buffer vc = ins.get(1);
      Buffer out = outs.get(0);
      Expr numAnchors = s.get(1);
      Expr width = s.get(2);
      Buffer nkeep = scalar("nkeep");
      Buffer rank = scalar("rank");
      Buffer kept = scalar("kept");
      Buffer order = new Buffer("order", DType.I32, List.of(numAnchors), "local");
      Var b = new Var("b", DType.I32);
      Var i = new Var("i", DType.I32);
      Var j = new Var("j", DType.I32);
      Var k = new Var("k", DType.I32);
      Expr minusOne = IrOps.constant(t, -1);
      List<Stmt> body = new ArrayList<>();
      // The valid boxes, at most N of them.
      body.add(set(nkeep, validBoxes(vc, b, numAnchors)));
      // Stable rank by descending score: order[rank(i)] = i.
      body.add(loop(i, i32(0), get(nkeep), SeqStmt.of(set(rank, i32(0)),
          loop(j, i32(0), get(nkeep), new IfThenElse(ranksBefore(in, b, j, i, l.scoreIndex()), set(rank, add(get(rank), i32(1))), null)),
          new BufferStore(order, i, List.of(get(rank))))));
      if (p.topK() >= 0) body.add(set(nkeep, IrOps.min(get(nkeep), i32(p.topK()))));
      // The sorted boxes, -1 below them.
      Expr src = new BufferLoad(order, List.of(i));
      body.add(loop(i, i32(0), numAnchors, loop(k, i32(0), width, new BufferStore(out,
          IrOps.select(IrOps.lt(i, get(nkeep)), load(in, b, IrOps.min(src, sub(numAnchors, i32(1))), k), minusOne), List.of(b, i, k)))));
      // Greedy suppression in score order.
      Expr alive = isAlive(out, b, i, l.scoreIndex());
      Stmt clearI = loop(k, i32(0), width, new BufferStore(out, minusOne, List.of(b, i, k)));
      Stmt clearJ = loop(k, i32(0), width, new BufferStore(out, minusOne, List.of(b, j, k)));
      Expr suppress = suppresses(out, b, i, j, p);
      Stmt keep = SeqStmt.of(set(kept, add(get(kept), i32(1))),
          loop(j, add(i, i32(1)), sub(get(nkeep), add(i, i32(1))), new IfThenElse(suppress, clearJ, null)));
      Stmt visit = p.maxOutputSize() >= 0
          ? new IfThenElse(IrOps.ge(get(kept), i32(p.maxOutputSize())), clearI, keep) : keep;
      body.add(set(kept, i32(0)));
      body.add(loop(i, i32(0), get(nkeep), new IfThenElse(alive, visit, clearI)));
      if (p.invalidToBottom()) {
        // Stable compaction in place: row rank <= i is read before it is written.
        body.add(set(rank, i32(0)));
        body.add(loop(i, i32(0), get(nkeep), new IfThenElse(alive, SeqStmt.of(
            loop(k, i32(0), width, new BufferStore(out, load(out, b, i, k), List.of(b, get(rank), k))),
            set(rank, add(get(rank), i32(1)))), null)));
        body.add(loop(i, get(rank), sub(numAnchors, get(rank)), clearI));
      }
      Stmt batch = SeqStmt.of(body);
      for (Buffer buf : List.of(order, kept, rank, nkeep)) batch = new Allocate(buf, batch);
      return loop(b, i32(0), s.get(0), batch);
    }, name).get(0);
  }

  /** The attributes of {@link #multiboxPrior}; a step below 0 is 1 / the extent, offsets are in cells. */
  public record PriorParams(double[] sizes, double[] ratios, double stepH, double stepW, double offsetH, double offsetW, boolean clip) {}

  /**
   * SSD anchor boxes for the feature map of {@code data [N, C, H, W]}: [1, H * W * (sizes + ratios - 1), 4] of
   * (x1, y1, x2, y2) around the cell centres ((i + offset_h) step_h, (j + offset_w) step_w); box k < sizes has
   * half extents (sizes[k] H / W / 2, sizes[k] / 2), box sizes + r - 1 has (sizes[0] H / W sqrt(ratios[r]) / 2,
   * sizes[0] / sqrt(ratios[r]) / 2); clip clamps to [0, 1].
   */
  public static Tensor multiboxPrior(Tensor data, PriorParams p, String name) {
    long h = IrOps.asLong(data.shape().get(2));
    long w = IrOps.asLong(data.shape().get(3));
    int per = p.sizes().length + p.ratios().length - 1;
    double stepH = p.stepH() < 0 ? 1.0 / h : p.stepH();
    double stepW = p.stepW() < 0 ? 1.0 / w : p.stepW();
    double[] halfW = new double[per];
    double[] halfH = new double[per];
    for (int k = 0; k < per; k++) {
      boolean bySize = k < p.sizes().length;
      double size = bySize ? p.sizes()[k] : p.sizes()[0];
      double r = bySize ? 1 : Math.sqrt(p.ratios()[k - p.sizes().length + 1]);
      halfW[k] = size * h / w * r / 2;
      halfH[k] = size / r / 2;
    }
    DType t = data.dtype();
    return Te.computeN(Te.shape(1, h * w * per, 4), idx -> {
      Expr cell = IrOps.floorDiv(idx.get(1), i32(per));
      Expr k = IrOps.floorMod(idx.get(1), i32(per));
      Expr c = idx.get(2);
      Expr cy = IrOps.mul(add(IrOps.cast(t, IrOps.floorDiv(cell, i32(w))), IrOps.constant(t, p.offsetH())), IrOps.constant(t, stepH));
      Expr cx = IrOps.mul(add(IrOps.cast(t, IrOps.floorMod(cell, i32(w))), IrOps.constant(t, p.offsetW())), IrOps.constant(t, stepW));
      Expr hw = pick(k, halfW, t);
      Expr hh = pick(k, halfH, t);
      Expr v = IrOps.select(IrOps.eq(c, i32(0)), sub(cx, hw), IrOps.select(IrOps.eq(c, i32(1)), sub(cy, hh),
          IrOps.select(IrOps.eq(c, i32(2)), add(cx, hw), add(cy, hh))));
      return p.clip() ? IrOps.max(IrOps.zero(t), IrOps.min(IrOps.one(t), v)) : v;
    }, name, "multibox_prior", java.util.Map.of());
  }

  /** {@code values[k]} for a run-time k by a select chain (the anchor tables are small). */
  private static Expr pick(Expr k, double[] values, DType t) {
    Expr v = IrOps.constant(t, values[values.length - 1]);
    for (int i = values.length - 2; i >= 0; i--) v = IrOps.select(IrOps.eq(k, i32(i)), IrOps.constant(t, values[i]), v);
    return v;
  }

  /**
   * Darknet's reorg of YOLOv2 (a space-to-depth): data [B, C, H, W] with H and W divisible by {@code stride} to
   * [B, C s^2, H / s, W / s], out[b, (dy s + dx) C + c, y, x] = data[b, c, y s + dy, x s + dx].
   */
  public static Tensor yoloReorg(Tensor data, int stride, String name) {
    List<Expr> s = data.shape();
    long c = IrOps.asLong(s.get(1));
    Expr st = i32(stride);
    return Te.computeN(List.of(s.get(0), i32(c * stride * stride), IrOps.floorDiv(s.get(2), st), IrOps.floorDiv(s.get(3), st)), idx -> {
      Expr offset = IrOps.floorDiv(idx.get(1), i32(c));
      return data.get(idx.get(0), IrOps.floorMod(idx.get(1), i32(c)), add(IrOps.mul(idx.get(2), st), IrOps.floorDiv(offset, st)),
          add(IrOps.mul(idx.get(3), st), IrOps.floorMod(offset, st)));
    }, name, "yolo_reorg", java.util.Map.of());
  }

  /**
   * Max ROI pooling (Fast R-CNN) of {@code data [N, C, H, W]} over {@code rois [R, 5]} = (batch, x1, y1, x2, y2):
   * [R, C, pooled_h, pooled_w]. The box corners are scaled and rounded, its extent is at least 1, bin (ph, pw)
   * covers rows [floor(ph bin_h), ceil((ph + 1) bin_h)) from the box start clipped to the image; an empty bin is 0.
   */
  public static Tensor roiPool(Tensor data, Tensor rois, int pooledH, int pooledW, double spatialScale, String name) {
    List<Expr> s = data.shape();
    DType t = data.dtype();
    IterVar rh = Te.reduceAxis(s.get(2), "rh");
    IterVar rw = Te.reduceAxis(s.get(3), "rw");
    List<Expr> outShape = List.of(rois.shape().get(0), s.get(1), i32(pooledH), i32(pooledW));
    java.util.function.Function<List<Var>, Expr[]> window = idx -> {
      Expr r = idx.get(0);
      Expr[] hr = binRange(rois, r, 2, 4, idx.get(2), pooledH, spatialScale, s.get(2), t);
      Expr[] wr = binRange(rois, r, 1, 3, idx.get(3), pooledW, spatialScale, s.get(3), t);
      return new Expr[] {hr[0], hr[1], wr[0], wr[1]};
    };
    Tensor m = Te.computeN(outShape, idx -> {
      Expr[] b = window.apply(idx);
      Expr inside = and(and(IrOps.ge(rh.var(), b[0]), IrOps.lt(rh.var(), b[1])), and(IrOps.ge(rw.var(), b[2]), IrOps.lt(rw.var(), b[3])));
      Expr n = IrOps.cast(DType.I32, rois.get(idx.get(0), i32(0)));
      Expr v = data.get(IrOps.max(i32(0), IrOps.min(n, sub(s.get(0), i32(1)))), idx.get(1), rh.var(), rw.var());
      return Te.max(IrOps.select(inside, v, Te.lowest(t)), rh, rw);
    }, name + "_max", "roi_pool", java.util.Map.of());
    return Te.computeN(outShape, idx -> {
      Expr[] b = window.apply(idx);
      Expr empty = IrOps.or(IrOps.le(b[1], b[0]), IrOps.le(b[3], b[2]));
      return IrOps.select(empty, IrOps.zero(t), m.get(idx.toArray(new Expr[0])));
    }, name, "roi_pool", java.util.Map.of());
  }

  /** [start, end) of bin {@code bin} along one axis of box {@code r}, whose corners sit at elements lo and hi of its row. */
  private static Expr[] binRange(Tensor rois, Expr r, int lo, int hi, Expr bin, int pooled, double scale, Expr extent, DType t) {
    Expr start = IrOps.cast(DType.I32, IrOps.call(t, "round", IrOps.mul(rois.get(r, i32(lo)), IrOps.constant(t, scale))));
    Expr end = IrOps.cast(DType.I32, IrOps.call(t, "round", IrOps.mul(rois.get(r, i32(hi)), IrOps.constant(t, scale))));
    Expr size = IrOps.div(IrOps.cast(t, IrOps.max(add(sub(end, start), i32(1)), i32(1))), IrOps.constant(t, pooled));
    Expr b = IrOps.cast(t, bin);
    Expr from = add(IrOps.cast(DType.I32, IrOps.call(t, "floor", IrOps.mul(b, size))), start);
    Expr to = add(IrOps.cast(DType.I32, IrOps.call(t, "ceil", IrOps.mul(add(b, IrOps.one(t)), size))), start);
    return new Expr[] {IrOps.min(IrOps.max(from, i32(0)), extent), IrOps.min(IrOps.max(to, i32(0)), extent)};
  }

  /** Whether row i of {@code in[b]} is a box for get_valid_counts: its score exceeds the threshold and its class id is not negative. */
  static Expr isValidRow(Buffer in, Expr b, Expr i, double scoreThreshold, int idIndex, int scoreIndex) {
    DType t = in.dtype();
    Expr valid = IrOps.gt(load(in, b, i, i32(scoreIndex)), IrOps.constant(t, scoreThreshold));
    return idIndex >= 0 ? and(valid, IrOps.ge(load(in, b, i, i32(idIndex)), IrOps.zero(t))) : valid;
  }

  /** The number of leading rows of {@code data[b]} that are boxes: valid_count[b] clamped to [0, N]. */
  static Expr validBoxes(Buffer validCount, Expr b, Expr numAnchors) {
    return IrOps.max(i32(0), IrOps.min(IrOps.cast(DType.I32, new BufferLoad(validCount, List.of(b))), numAnchors));
  }

  /** Whether row j of {@code in[b]} comes before row i in the NMS order: a higher score, or an equal one and a lower index. */
  static Expr ranksBefore(Buffer in, Expr b, Expr j, Expr i, int scoreIndex) {
    Expr si = load(in, b, i, i32(scoreIndex));
    Expr sj = load(in, b, j, i32(scoreIndex));
    return IrOps.or(IrOps.gt(sj, si), and(IrOps.eq(sj, si), IrOps.lt(j, i)));
  }

  /** Whether row i of {@code rows[b]} is still a box (not suppressed, not -1): its score is not negative. */
  static Expr isAlive(Buffer rows, Expr b, Expr i, int scoreIndex) {
    return IrOps.ge(load(rows, b, i, i32(scoreIndex)), IrOps.zero(rows.dtype()));
  }

  /** Whether kept box i of {@code rows[b]} suppresses box j: j is alive, of i's class (unless force_suppress) and overlaps enough. */
  static Expr suppresses(Buffer rows, Expr b, Expr i, Expr j, NmsParams p) {
    BoxLayout l = p.layout();
    DType t = rows.dtype();
    Expr suppress = and(isAlive(rows, b, j, l.scoreIndex()),
        IrOps.ge(iou(rows, b, i, j, l.coordStart(), t), IrOps.constant(t, p.iouThreshold())));
    if (!p.forceSuppress() && l.idIndex() >= 0) {
      suppress = and(suppress, IrOps.eq(load(rows, b, i, i32(l.idIndex())), load(rows, b, j, i32(l.idIndex()))));
    }
    return suppress;
  }

  /** IoU of rows i and j of {@code out[b]}: 0 where the union is not positive. */
  private static Expr iou(Buffer out, Expr b, Expr i, Expr j, int c, DType t) {
    Expr zero = IrOps.zero(t);
    Expr ix1 = load(out, b, i, i32(c)), iy1 = load(out, b, i, i32(c + 1)), ix2 = load(out, b, i, i32(c + 2)), iy2 = load(out, b, i, i32(c + 3));
    Expr jx1 = load(out, b, j, i32(c)), jy1 = load(out, b, j, i32(c + 1)), jx2 = load(out, b, j, i32(c + 2)), jy2 = load(out, b, j, i32(c + 3));
    Expr w = IrOps.max(zero, sub(IrOps.min(ix2, jx2), IrOps.max(ix1, jx1)));
    Expr h = IrOps.max(zero, sub(IrOps.min(iy2, jy2), IrOps.max(iy1, jy1)));
    // bound once each: the C printers would repeat them in every use (three times for inter)
    Var inter = new Var("inter", t);
    Var union = new Var("union", t);
    Expr u = sub(add(IrOps.mul(sub(ix2, ix1), sub(iy2, iy1)), IrOps.mul(sub(jx2, jx1), sub(jy2, jy1))), inter);
    return new Let(inter, IrOps.mul(w, h), new Let(union, u,
        IrOps.select(IrOps.gt(union, zero), IrOps.div(inter, IrOps.max(union, IrOps.constant(t, 1e-30))), zero)));
  }

  static Buffer scalar(String name) { return new Buffer(name, DType.I32, List.of(i32(1)), "local"); }

  static Expr get(Buffer scalar) { return new BufferLoad(scalar, List.of(i32(0))); }

  static Stmt set(Buffer scalar, Expr v) { return new BufferStore(scalar, v, List.of(i32(0))); }

  static Expr load(Buffer buf, Expr... idx) { return new BufferLoad(buf, List.of(idx)); }

  static Stmt loop(Var v, Expr min, Expr extent, Stmt body) { return new For(v, min, extent, ForKind.SERIAL, body); }
}
