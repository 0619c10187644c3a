package org.nnvm4j.tensor.topi;

import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;

/**
 * Sampling NCHW images at computed positions: grid_sample (ONNX GridSample: nearest, bilinear and
 * bicubic, zeros / border / reflection padding, align_corners) and roi_align (ONNX RoiAlign, average
 * or max over a fixed sampling grid per bin). Every data-dependent load clamps its index, so nothing
 * reads out of bounds whatever the coordinates. Tag {@code sampling}.
 */
public final class Sampling {
  public static final String TAG = "sampling";

  /** How grid_sample interpolates. */
  public enum Mode { NEAREST, BILINEAR, BICUBIC }

  /** What grid_sample reads outside the image. */
  public enum Padding { ZEROS, BORDER, REFLECTION }

  /** The cubic convolution constant of bicubic sampling (as PyTorch and ONNX Runtime). */
  private static final double CUBIC_A = -0.75;

  private Sampling() {}

  /**
   * {@code out[n, c, i, j]} = data[n, c] sampled at grid[n, i, j] = (x, y), normalized to [-1, 1]
   * over the width and height; data [N, C, H, W], grid [N, Ho, Wo, 2], out [N, C, Ho, Wo].
   */
  public static Tensor gridSample(Tensor data, Tensor grid, Mode mode, Padding padding, boolean alignCorners, String name) {
    long[] d = Topi.constShape(data, name);
    long[] g = Topi.constShape(grid, name);
    if (d.length != 4 || g.length != 4 || g[3] != 2 || g[0] != d[0]) {
      throw CompileException.invalid("%s: data [N, C, H, W] and grid [N, Ho, Wo, 2] expected, got %s and %s", name,
          java.util.Arrays.toString(d), java.util.Arrays.toString(g));
    }
    DType f = data.dtype();
    Image img = new Image(data, d, padding, alignCorners);
    return Te.computeN(Te.shape(d[0], d[1], g[1], g[2]), idx -> {
      Expr n = idx.get(0);
      Expr c = idx.get(1);
      Expr x = unnormalize(IrOps.cast(f, grid.get(n, idx.get(2), idx.get(3), IrOps.i32(0))), d[3], alignCorners);
      Expr y = unnormalize(IrOps.cast(f, grid.get(n, idx.get(2), idx.get(3), IrOps.i32(1))), d[2], alignCorners);
      if (mode == Mode.NEAREST) {
        x = IrOps.call(f, "round", x);
        y = IrOps.call(f, "round", y);
      }
      if (padding != Padding.ZEROS) {
        // Out of bounds in either coordinate: both are clamped (border) or reflected into range (as ONNX Runtime does).
        Expr out = IrOps.or(img.outside(x, 3), img.outside(y, 2));
        x = IrOps.select(out, img.fold(x, 3), x);
        y = IrOps.select(out, img.fold(y, 2), y);
      }
      return switch (mode) {
        case NEAREST -> img.pixel(n, c, IrOps.cast(DType.I32, y), IrOps.cast(DType.I32, x));
        case BILINEAR -> bilinear(img, n, c, x, y);
        case BICUBIC -> bicubic(img, n, c, x, y);
      };
    }, name, TAG, Map.of());
  }

  /** Pixel coordinate of normalized {@code v} along an axis of {@code size} pixels. */
  private static Expr unnormalize(Expr v, long size, boolean alignCorners) {
    DType f = v.dtype();
    Expr one = IrOps.one(f);
    Expr half = IrOps.constant(f, 0.5);
    if (alignCorners) return IrOps.mul(IrOps.mul(IrOps.add(v, one), half), IrOps.constant(f, size - 1));
    return IrOps.mul(IrOps.sub(IrOps.mul(IrOps.add(v, one), IrOps.constant(f, size)), one), half);
  }

  private static Expr bilinear(Image img, Expr n, Expr c, Expr x, Expr y) {
    DType f = x.dtype();
    Expr x1 = IrOps.call(f, "floor", x);
    Expr y1 = IrOps.call(f, "floor", y);
    Expr dx1 = IrOps.sub(x, x1);
    Expr dy1 = IrOps.sub(y, y1);
    Expr dx2 = IrOps.sub(IrOps.one(f), dx1);
    Expr dy2 = IrOps.sub(IrOps.one(f), dy1);
    Expr xi = IrOps.cast(DType.I32, x1);
    Expr yi = IrOps.cast(DType.I32, y1);
    Expr xj = IrOps.add(xi, IrOps.i32(1));
    Expr yj = IrOps.add(yi, IrOps.i32(1));
    Expr top = IrOps.add(IrOps.mul(dx2, img.pixel(n, c, yi, xi)), IrOps.mul(dx1, img.pixel(n, c, yi, xj)));
    Expr bottom = IrOps.add(IrOps.mul(dx2, img.pixel(n, c, yj, xi)), IrOps.mul(dx1, img.pixel(n, c, yj, xj)));
    return IrOps.add(IrOps.mul(dy2, top), IrOps.mul(dy1, bottom));
  }

  private static Expr bicubic(Image img, Expr n, Expr c, Expr x, Expr y) {
    DType f = x.dtype();
    Expr fx = IrOps.call(f, "floor", x);
    Expr fy = IrOps.call(f, "floor", y);
    Expr[] cx = cubicCoefficients(IrOps.sub(x, fx));
    Expr[] cy = cubicCoefficients(IrOps.sub(y, fy));
    Expr x0 = IrOps.sub(IrOps.cast(DType.I32, fx), IrOps.i32(1));
    Expr y0 = IrOps.sub(IrOps.cast(DType.I32, fy), IrOps.i32(1));
    Expr sum = null;
    for (int i = 0; i < 4; i++) {
      Expr row = null;
      for (int j = 0; j < 4; j++) {
        Expr p = IrOps.mul(cx[j], img.pixel(n, c, IrOps.add(y0, IrOps.i32(i)), IrOps.add(x0, IrOps.i32(j))));
        row = row == null ? p : IrOps.add(row, p);
      }
      Expr r = IrOps.mul(cy[i], row);
      sum = sum == null ? r : IrOps.add(sum, r);
    }
    return sum;
  }

  /** The 4 cubic convolution weights of taps at distances t + 1, t, 1 - t, 2 - t (t in [0, 1)). */
  private static Expr[] cubicCoefficients(Expr t) {
    DType f = t.dtype();
    Expr a = IrOps.constant(f, CUBIC_A);
    Expr one = IrOps.one(f);
    Expr[] dist = {IrOps.add(t, one), t, IrOps.sub(one, t), IrOps.sub(IrOps.constant(f, 2), t)};
    Expr[] out = new Expr[4];
    for (int k = 0; k < 4; k++) {
      Expr s = dist[k];
      if (k == 1 || k == 2) {
        // (A + 2) s^3 - (A + 3) s^2 + 1 for |s| <= 1
        Expr inner = IrOps.sub(IrOps.mul(IrOps.constant(f, CUBIC_A + 2), s), IrOps.constant(f, CUBIC_A + 3));
        out[k] = IrOps.add(IrOps.mul(IrOps.mul(inner, s), s), one);
      } else {
        // A s^3 - 5A s^2 + 8A s - 4A for 1 < |s| < 2
        Expr inner = IrOps.sub(IrOps.mul(a, s), IrOps.constant(f, 5 * CUBIC_A));
        out[k] = IrOps.sub(IrOps.mul(IrOps.add(IrOps.mul(inner, s), IrOps.constant(f, 8 * CUBIC_A)), s), IrOps.constant(f, 4 * CUBIC_A));
      }
    }
    return out;
  }

  /** An NCHW image with grid_sample's padding rule. */
  private record Image(Tensor data, long[] shape, Padding padding, boolean alignCorners) {
    /** The lowest and highest in-range coordinate along dimension {@code dim} (2: height, 3: width). */
    double min(int dim) { return alignCorners ? 0 : -0.5; }

    double max(int dim) { return alignCorners ? shape[dim] - 1 : shape[dim] - 0.5; }

    Expr outside(Expr v, int dim) {
      DType f = v.dtype();
      return IrOps.or(IrOps.lt(v, IrOps.constant(f, min(dim))), IrOps.gt(v, IrOps.constant(f, max(dim))));
    }

    /** Border: clamped to [0, size - 1]; reflection: reflected into [min, max]. */
    Expr fold(Expr v, int dim) {
      DType f = v.dtype();
      if (padding == Padding.BORDER) return IrOps.min(IrOps.max(v, IrOps.zero(f)), IrOps.constant(f, shape[dim] - 1));
      return reflect(v, min(dim), max(dim));
    }

    /** {@code v} reflected at the bounds as often as needed to land in [lo, hi]. */
    static Expr reflect(Expr v, double lo, double hi) {
      DType f = v.dtype();
      Expr range = IrOps.constant(f, hi - lo);
      Expr below = IrOps.lt(v, IrOps.constant(f, lo));
      Expr above = IrOps.gt(v, IrOps.constant(f, hi));
      Expr dist = IrOps.select(below, IrOps.sub(IrOps.constant(f, lo), v), IrOps.sub(v, IrOps.constant(f, hi)));
      Expr turns = IrOps.call(f, "floor", IrOps.div(dist, range));
      Expr rest = IrOps.sub(dist, IrOps.mul(turns, range));
      Expr even = IrOps.eq(IrOps.floorMod(IrOps.cast(DType.I32, turns), IrOps.i32(2)), IrOps.i32(0));
      Expr fromLo = IrOps.add(IrOps.constant(f, lo), rest);
      Expr fromHi = IrOps.sub(IrOps.constant(f, hi), rest);
      Expr whenBelow = IrOps.select(even, fromLo, fromHi);
      Expr whenAbove = IrOps.select(even, fromHi, fromLo);
      return IrOps.select(below, whenBelow, IrOps.select(above, whenAbove, v));
    }

    /** data[n, c, r, col] for integer (r, col), with the padding rule for positions outside the image. */
    Expr pixel(Expr n, Expr c, Expr r, Expr col) {
      DType f = data.dtype();
      switch (padding) {
        case ZEROS -> {
          Expr inside = IrOps.and(IrOps.and(IrOps.ge(r, IrOps.i32(0)), IrOps.lt(r, IrOps.i32(shape[2]))),
              IrOps.and(IrOps.ge(col, IrOps.i32(0)), IrOps.lt(col, IrOps.i32(shape[3]))));
          return IrOps.select(inside, load(n, c, r, col), IrOps.zero(f));
        }
        case BORDER -> {
          return load(n, c, r, col);
        }
        case REFLECTION -> {
          Expr rr = IrOps.cast(DType.I32, reflect(IrOps.cast(f, r), min(2), max(2)));
          Expr cc = IrOps.cast(DType.I32, reflect(IrOps.cast(f, col), min(3), max(3)));
          return load(n, c, rr, cc);
        }
      }
      throw new IllegalStateException(padding.toString());
    }

    private Expr load(Expr n, Expr c, Expr r, Expr col) { return data.get(n, c, Topi.clamp(r, shape[2]), Topi.clamp(col, shape[3])); }
  }

  /**
   * roi_align's parameters: output bins; samples per bin along each axis (0: adaptive, ceil(box extent /
   * bins) per box, at most {@code maxGridH} x {@code maxGridW}); the scale of the boxes; half-pixel
   * offset; max mode.
   */
  public record RoiParams(int outHeight, int outWidth, int samplingRatio, int maxGridH, int maxGridW, double spatialScale,
      boolean halfPixel, boolean max) {
    /** Whether the samples per bin follow each box (sampling_ratio 0). */
    public boolean adaptive() { return samplingRatio == 0; }
  }

  /**
   * {@code out[r, c, i, j]}: the average (or maximum) of bilinear samples of data[batch_indices[r], c]
   * on a grid in bin (i, j) of box rois[r] = (x1, y1, x2, y2); data [N, C, H, W], rois [R, 4],
   * batch_indices [R] (integers), out [R, C, outHeight, outWidth].
   */
  public static Tensor roiAlign(Tensor data, Tensor rois, Tensor batchIndices, RoiParams p, String name) {
    long[] d = Topi.constShape(data, name);
    long[] r = Topi.constShape(rois, name);
    if (d.length != 4 || r.length != 2 || r[1] != 4) {
      throw CompileException.invalid("%s: data [N, C, H, W] and rois [R, 4] expected, got %s and %s", name, java.util.Arrays.toString(d),
          java.util.Arrays.toString(r));
    }
    if (p.samplingRatio() < 0 || p.adaptive() && (p.maxGridH() < 1 || p.maxGridW() < 1)) {
      throw CompileException.invalid("%s: sampling_ratio must be positive, or 0 with a positive grid bound; got %d (bound %dx%d)", name,
          p.samplingRatio(), p.maxGridH(), p.maxGridW());
    }
    DType f = data.dtype();
    IterVar iy = Te.reduceAxis(p.adaptive() ? p.maxGridH() : p.samplingRatio(), "iy");
    IterVar ix = Te.reduceAxis(p.adaptive() ? p.maxGridW() : p.samplingRatio(), "ix");
    Tensor acc = Te.computeN(Te.shape(r[0], d[1], p.outHeight(), p.outWidth()), idx -> {
      Box b = Box.of(rois, idx.get(0), p, f);
      Expr y = sample(b.y1(), idx.get(2), b.binH(), iy, b.gridH());
      Expr x = sample(b.x1(), idx.get(3), b.binW(), ix, b.gridW());
      Expr n = Topi.clamp(IrOps.cast(DType.I32, batchIndices.get(idx.get(0))), d[0]);
      Expr v = roiBilinear(data, d, n, idx.get(1), y, x, p.max());
      Expr inGrid = IrOps.and(IrOps.lt(iy.var(), b.gridH()), IrOps.lt(ix.var(), b.gridW()));
      if (p.max()) return Te.max(p.adaptive() ? IrOps.select(inGrid, v, Te.lowest(f)) : v, iy, ix);
      return p.adaptive() ? Te.sum(v, inGrid, iy, ix) : Te.sum(v, iy, ix);
    }, p.max() && !p.adaptive() ? name : name + "_acc", TAG, Map.of());
    if (p.max() && !p.adaptive()) return acc;
    return Te.computeN(acc.shape(), idx -> {
      Box b = Box.of(rois, idx.get(0), p, f);
      Expr count = IrOps.mul(b.gridH(), b.gridW());
      if (p.max()) return IrOps.select(IrOps.eq(count, IrOps.i32(0)), IrOps.zero(f), acc.get(idx));
      return IrOps.div(acc.get(idx), IrOps.cast(f, IrOps.max(count, IrOps.i32(1))));
    }, name, TAG, Map.of());
  }

  /** One box in pixel coordinates: its top-left corner, bin sizes and samples per bin (int32). */
  private record Box(Expr y1, Expr x1, Expr binH, Expr binW, Expr gridH, Expr gridW) {
    static Box of(Tensor rois, Expr roi, RoiParams p, DType f) {
      Expr offset = IrOps.constant(f, p.halfPixel() ? 0.5 : 0);
      Expr scale = IrOps.constant(f, p.spatialScale());
      Expr[] c = new Expr[4];
      for (int k = 0; k < 4; k++) c[k] = IrOps.sub(IrOps.mul(IrOps.cast(f, rois.get(roi, IrOps.i32(k))), scale), offset);
      Expr h = IrOps.sub(c[3], c[1]);
      Expr w = IrOps.sub(c[2], c[0]);
      if (!p.halfPixel()) {
        h = IrOps.max(h, IrOps.one(f));
        w = IrOps.max(w, IrOps.one(f));
      }
      Expr oh = IrOps.constant(f, p.outHeight());
      Expr ow = IrOps.constant(f, p.outWidth());
      Expr gh = p.adaptive() ? grid(h, oh, p.maxGridH()) : IrOps.i32(p.samplingRatio());
      Expr gw = p.adaptive() ? grid(w, ow, p.maxGridW()) : IrOps.i32(p.samplingRatio());
      return new Box(c[1], c[0], IrOps.div(h, oh), IrOps.div(w, ow), gh, gw);
    }

    /** ceil(extent / bins) samples, within [0, bound]. */
    private static Expr grid(Expr extent, Expr bins, int bound) {
      Expr g = IrOps.call(extent.dtype(), "ceil", IrOps.div(extent, bins));
      Expr clamped = IrOps.min(IrOps.max(g, IrOps.zero(extent.dtype())), IrOps.constant(extent.dtype(), bound));
      return IrOps.cast(DType.I32, clamped);
    }
  }

  /** start + bin * i + (k + 0.5) * bin / samples: the k-th sample position in bin i. */
  private static Expr sample(Expr start, Expr i, Expr bin, IterVar k, Expr samples) {
    DType f = start.dtype();
    Expr within = IrOps.div(IrOps.mul(IrOps.add(IrOps.cast(f, k.var()), IrOps.constant(f, 0.5)), bin),
        IrOps.cast(f, IrOps.max(samples, IrOps.i32(1))));
    return IrOps.add(IrOps.add(start, IrOps.mul(IrOps.cast(f, i), bin)), within);
  }

  /**
   * RoiAlign's bilinear sample at (y, x): zero beyond one pixel outside the image, coordinates below 0
   * raised to 0, the last row/column repeated; in max mode the largest of the four weighted taps (as
   * ONNX Runtime computes it).
   */
  private static Expr roiBilinear(Tensor data, long[] d, Expr n, Expr c, Expr y, Expr x, boolean max) {
    DType f = y.dtype();
    Expr outside = IrOps.or(IrOps.or(IrOps.lt(y, IrOps.constant(f, -1)), IrOps.gt(y, IrOps.constant(f, d[2]))),
        IrOps.or(IrOps.lt(x, IrOps.constant(f, -1)), IrOps.gt(x, IrOps.constant(f, d[3]))));
    Expr[] ty = taps(IrOps.max(y, IrOps.zero(f)), d[2]);
    Expr[] tx = taps(IrOps.max(x, IrOps.zero(f)), d[3]);
    // ty/tx: {low index, high index, fraction}
    Expr ly = ty[2];
    Expr lx = tx[2];
    Expr hy = IrOps.sub(IrOps.one(f), ly);
    Expr hx = IrOps.sub(IrOps.one(f), lx);
    Expr[] terms = {
        IrOps.mul(IrOps.mul(hy, hx), data.get(n, c, ty[0], tx[0])), IrOps.mul(IrOps.mul(hy, lx), data.get(n, c, ty[0], tx[1])),
        IrOps.mul(IrOps.mul(ly, hx), data.get(n, c, ty[1], tx[0])), IrOps.mul(IrOps.mul(ly, lx), data.get(n, c, ty[1], tx[1]))};
    Expr v = terms[0];
    for (int k = 1; k < 4; k++) v = max ? IrOps.max(v, terms[k]) : IrOps.add(v, terms[k]);
    return IrOps.select(outside, IrOps.zero(f), v);
  }

  /** For a coordinate v >= 0 along an axis of {@code size}: {low, high, fraction}, the last index repeated at the end (indices clamped). */
  private static Expr[] taps(Expr v, long size) {
    DType f = v.dtype();
    Expr low = IrOps.cast(DType.I32, v);
    Expr atEnd = IrOps.ge(low, IrOps.i32(size - 1));
    Expr lo = IrOps.select(atEnd, IrOps.i32(size - 1), low);
    Expr hi = IrOps.select(atEnd, IrOps.i32(size - 1), IrOps.add(low, IrOps.i32(1)));
    Expr frac = IrOps.select(atEnd, IrOps.zero(f), IrOps.sub(v, IrOps.cast(f, low)));
    return new Expr[] {Topi.clamp(lo, size), Topi.clamp(hi, size), frac};
  }
}
