package org.nnvm4j.tensor.topi;

import java.util.Map;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;

/** 2-d max and average pooling in NCHW layout, windowed and global; tag {@code pool}. */
public final class Pool {
  public static final String TAG = "pool";

  /** Window, strides and symmetric padding, each (height, width); ceil mode; whether averages count padding. */
  public record Params(int[] window, int[] strides, int[] padding, boolean ceilMode, boolean countIncludePad) {}

  private Pool() {}

  /** The output extent of one spatial dimension. */
  public static long outExtent(long in, int window, int stride, int pad, boolean ceil) {
    long span = in + 2L * pad - window;
    return (ceil ? Math.ceilDiv(span, stride) : Math.floorDiv(span, stride)) + 1;
  }

  /** Windowed max ({@code avg = false}) or average pooling of NCHW data, or of NCHW{c}c data (rank 5, the block passed through). */
  public static Tensor pool2d(Tensor data, Params p, boolean avg, String name) {
    long[] d = Topi.constShape(data, name);
    long oh = outExtent(d[2], p.window()[0], p.strides()[0], p.padding()[0], p.ceilMode());
    long ow = outExtent(d[3], p.window()[1], p.strides()[1], p.padding()[1], p.ceilMode());
    IterVar ry = Te.reduceAxis(p.window()[0], "ry");
    IterVar rx = Te.reduceAxis(p.window()[1], "rx");
    Expr fill = avg ? IrOps.zero(data.dtype()) : Te.lowest(data.dtype());
    boolean blocked = d.length == 5;
    Tensor r = Te.computeN(blocked ? Te.shape(d[0], d[1], oh, ow, d[4]) : Te.shape(d[0], d[1], oh, ow), idx -> {
      Expr y = IrOps.add(IrOps.sub(IrOps.mul(idx.get(2), IrOps.i32(p.strides()[0])), IrOps.i32(p.padding()[0])), ry.var());
      Expr x = IrOps.add(IrOps.sub(IrOps.mul(idx.get(3), IrOps.i32(p.strides()[1])), IrOps.i32(p.padding()[1])), rx.var());
      Expr v = padded(data, idx.get(0), idx.get(1), y, x, d, fill,
          p.padding()[0] > 0 || p.padding()[1] > 0 || p.ceilMode(), blocked ? idx.get(4) : null);
      return avg ? Te.sum(v, ry, rx) : Te.max(v, ry, rx);
    }, avg ? name + "_sum" : name, TAG, Map.of());
    if (!avg) return r;
    return Te.computeN(r.shape(), idx -> {
      Expr count;
      if (p.countIncludePad()) {
        count = IrOps.i32((long) p.window()[0] * p.window()[1]);
      } else {
        count = IrOps.mul(extent(idx.get(2), p, 0, d[2]), extent(idx.get(3), p, 1, d[3]));
      }
      return IrOps.div(r.get(idx), IrOps.cast(data.dtype(), IrOps.max(count, IrOps.i32(1))));
    }, name, TAG, Map.of());
  }

  /** How many input rows (dim 0) or columns (dim 1) the window at output index {@code o} covers, padding excluded. */
  private static Expr extent(Expr o, Params p, int dim, long in) {
    Expr start = IrOps.sub(IrOps.mul(o, IrOps.i32(p.strides()[dim])), IrOps.i32(p.padding()[dim]));
    Expr end = IrOps.min(IrOps.add(start, IrOps.i32(p.window()[dim])), IrOps.i32(in));
    return IrOps.sub(end, IrOps.max(start, IrOps.i32(0)));
  }

  /** Global max or average pooling: [N, C, H, W] -> [N, C, 1, 1]; NCHW{c}c [N, C/c, H, W, c] -> [N, C/c, 1, 1, c]. */
  public static Tensor global(Tensor data, boolean avg, String name) {
    boolean[] reduced = data.ndim() == 5 ? new boolean[] {false, false, true, true, false} : new boolean[] {false, false, true, true};
    return Reduction.reduce(data, reduced, true, avg ? Reduction.Kind.MEAN : Reduction.Kind.MAX, name);
  }

  /**
   * {@code data[n, c, y, x]} where (y, x) lies inside {@code shape}, else {@code fill}, with the load index
   * clamped; without {@code guard} (the window never leaves the data) just the load.
   */
  static Expr padded(Tensor data, Expr n, Expr c, Expr y, Expr x, long[] shape, Expr fill, boolean guard) {
    return padded(data, n, c, y, x, shape, fill, guard, null);
  }

  /** {@link #padded} with a trailing channel-block index {@code cb} (NCHW{c}c data), or none when null. */
  static Expr padded(Tensor data, Expr n, Expr c, Expr y, Expr x, long[] shape, Expr fill, boolean guard, Expr cb) {
    if (!guard) return cb == null ? data.get(n, c, y, x) : data.get(n, c, y, x, cb);
    Expr cy = Topi.clamp(y, shape[2]), cx = Topi.clamp(x, shape[3]);
    Expr load = cb == null ? data.get(n, c, cy, cx) : data.get(n, c, cy, cx, cb);
    Expr inside = IrOps.and(IrOps.and(IrOps.ge(y, IrOps.i32(0)), IrOps.lt(y, IrOps.i32(shape[2]))),
        IrOps.and(IrOps.ge(x, IrOps.i32(0)), IrOps.lt(x, IrOps.i32(shape[3]))));
    return IrOps.select(inside, load, fill);
  }
}
