package org.nnvm4j.tensor.topi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Var;

/**
 * Resizing of any axes by nearest, (multi-)linear or (multi-)cubic interpolation, with ONNX Resize's
 * coordinate transformations, nearest rounding modes, cubic coefficient, {@code exclude_outside}
 * and the extrapolation value of {@code tf_crop_and_resize}; tag {@code resize} (injective). Source
 * coordinates are computed in float64 per output element, so rounding boundaries fall where the
 * float64 reference puts them; the weighted sum is accumulated in float64 too. An axis whose extent
 * and scale stay is copied, not resampled (outside tf_crop_and_resize), so batch and channel axes
 * never shift whatever the rounding mode.
 */
public final class Resize {
  public static final String TAG = "resize";
  /** The coordinate transformation modes. */
  public static final List<String> COORDINATE_MODES = List.of("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
      "align_corners", "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize");
  /** The rounding modes of nearest; {@code simple} (ONNX Resize-10, Upsample) floors when enlarging an axis and ceils when shrinking it. */
  public static final List<String> NEAREST_MODES = List.of("round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple");

  /** The interpolation method. */
  public enum Method { NEAREST, LINEAR, CUBIC }

  /**
   * The output shape; one scale per axis (output/input when sizes were given); the method and its
   * modes; for {@code tf_crop_and_resize} the region of interest (all starts, then all ends, normalized)
   * and the value of outputs whose source lies outside the data; whether shrinking axes filter with the
   * interpolation kernel stretched by 1 / scale (ONNX antialias: more taps, weights normalized to sum 1).
   */
  public record Params(long[] outShape, double[] scales, Method method, String coordinateMode, String nearestMode, double cubicA,
      boolean excludeOutside, double extrapolation, double[] roi, boolean antialias) {
    public Params {
      if (antialias && method == Method.NEAREST) throw CompileException.invalid("resize: antialias needs linear or cubic interpolation");
      if (!COORDINATE_MODES.contains(coordinateMode)) {
        throw CompileException.invalid("resize: coordinate transformation mode '%s'; expected one of %s", coordinateMode, COORDINATE_MODES);
      }
      if (!NEAREST_MODES.contains(nearestMode)) {
        throw CompileException.invalid("resize: nearest mode '%s'; expected one of %s", nearestMode, NEAREST_MODES);
      }
      if (scales.length != outShape.length) {
        throw CompileException.invalid("resize: %d scales for a rank-%d output", scales.length, outShape.length);
      }
      if (coordinateMode.equals("tf_crop_and_resize") && roi.length != 2 * outShape.length) {
        throw CompileException.invalid("resize: tf_crop_and_resize needs a region of interest of %d values, got %d", 2 * outShape.length,
            roi.length);
      }
    }
  }

  /** One source tap of an axis: its (clamped) index and weight (null: weight 1). */
  private record Tap(Expr index, Expr weight) {}

  private Resize() {}

  /** {@code data} resized to {@code p.outShape()}. */
  public static Tensor resize(Tensor data, Params p, String name) {
    long[] d = Topi.constShape(data, name);
    if (d.length != p.outShape().length) {
      throw CompileException.invalid("%s: data %s and output %s differ in rank", name, Arrays.toString(d), Arrays.toString(p.outShape()));
    }
    if (p.method() != Method.NEAREST && !data.dtype().isFloat()) {
      throw CompileException.invalid("%s: %s interpolation needs float data, got %s", name, p.method().name().toLowerCase(), data.dtype());
    }
    boolean crop = p.coordinateMode().equals("tf_crop_and_resize");
    return Te.computeN(Te.shape(p.outShape()), idx -> {
      List<List<Tap>> taps = new ArrayList<>();
      Expr outside = IrOps.bool(false);
      for (int i = 0; i < d.length; i++) {
        if (!crop && d[i] == p.outShape()[i] && p.scales()[i] == 1) {
          taps.add(List.of(new Tap(idx.get(i), null)));
          continue;
        }
        Expr x = source(idx.get(i), i, d[i], p);
        if (crop) outside = IrOps.or(outside, IrOps.or(IrOps.lt(x, f64(0)), IrOps.gt(x, f64(d[i] - 1))));
        taps.add(switch (p.method()) {
          case NEAREST -> List.of(new Tap(Topi.clamp(toInt(nearest(x, p.nearestMode(), p.scales()[i])), d[i]), null));
          case LINEAR -> p.antialias() && p.scales()[i] < 1 ? stretched(x, d[i], p.scales()[i], 1, Resize::triangle, p.excludeOutside())
              : linear(x, d[i]);
          case CUBIC -> p.antialias() && p.scales()[i] < 1
              ? stretched(x, d[i], p.scales()[i], 2, t -> keys(t, p.cubicA()), p.excludeOutside())
              : cubic(x, d[i], p.cubicA(), p.excludeOutside());
        });
      }
      Expr v = p.method() == Method.NEAREST ? data.get(indices(taps, new int[d.length])) : IrOps.cast(data.dtype(), weighted(data, taps));
      return crop ? IrOps.select(outside, IrOps.constant(data.dtype(), p.extrapolation()), v) : v;
    }, name, TAG, Map.of());
  }

  /**
   * The float64 source coordinate of output index {@code o} along axis {@code i}. The modes that
   * divide by the resized length use {@code in * scale}, not the rounded output extent (as the ONNX
   * reference and ONNX Runtime do; the two agree when sizes were given).
   */
  private static Expr source(Var o, int i, long in, Params p) {
    long out = p.outShape()[i];
    double scale = p.scales()[i];
    double length = in * scale;
    Expr x = IrOps.cast(DType.F64, o);
    return switch (p.coordinateMode()) {
      case "half_pixel" -> IrOps.sub(IrOps.div(IrOps.add(x, f64(0.5)), f64(scale)), f64(0.5));
      case "half_pixel_symmetric" -> {
        double adjustment = out / (scale * in);
        double offset = in / 2.0 * (1 - adjustment);
        yield IrOps.add(f64(offset), IrOps.sub(IrOps.div(IrOps.add(x, f64(0.5)), f64(scale)), f64(0.5)));
      }
      case "pytorch_half_pixel" -> length > 1 ? IrOps.sub(IrOps.div(IrOps.add(x, f64(0.5)), f64(scale)), f64(0.5)) : f64(0);
      case "align_corners" -> length != 1 ? IrOps.div(IrOps.mul(x, f64(in - 1)), f64(length - 1)) : f64(0);
      case "asymmetric" -> IrOps.div(x, f64(scale));
      case "tf_half_pixel_for_nn" -> IrOps.div(IrOps.add(x, f64(0.5)), f64(scale));
      case "tf_crop_and_resize" -> {
        double start = p.roi()[i];
        double end = p.roi()[i + p.outShape().length];
        yield length > 1 ? IrOps.add(f64(start * (in - 1)), IrOps.div(IrOps.mul(x, f64((end - start) * (in - 1))), f64(length - 1)))
            : f64(0.5 * (start + end) * (in - 1));
      }
      default -> throw CompileException.invalid("resize: coordinate transformation mode '%s'", p.coordinateMode());
    };
  }

  private static Expr nearest(Expr x, String mode, double scale) {
    return switch (mode) {
      case "round_prefer_floor" -> IrOps.call(DType.F64, "ceil", IrOps.sub(x, f64(0.5)));
      case "round_prefer_ceil" -> IrOps.call(DType.F64, "floor", IrOps.add(x, f64(0.5)));
      case "floor" -> IrOps.call(DType.F64, "floor", x);
      case "ceil" -> IrOps.call(DType.F64, "ceil", x);
      case "simple" -> IrOps.call(DType.F64, scale < 1 ? "ceil" : "floor", x);
      default -> throw CompileException.invalid("resize: nearest mode '%s'", mode);
    };
  }

  private static List<Tap> linear(Expr x, long in) {
    Expr x0 = IrOps.call(DType.F64, "floor", x);
    Expr frac = IrOps.sub(x, x0);
    Expr i0 = toInt(x0);
    return List.of(new Tap(Topi.clamp(i0, in), IrOps.sub(f64(1), frac)), new Tap(Topi.clamp(IrOps.add(i0, IrOps.i32(1)), in), frac));
  }

  /** Keys' cubic convolution with coefficient {@code a}; outside taps read the edge, or with {@code exclude} weigh zero and the rest renormalize. */
  private static List<Tap> cubic(Expr x, long in, double a, boolean exclude) {
    Expr x0 = IrOps.call(DType.F64, "floor", x);
    Expr r = IrOps.sub(x, x0);
    Expr i0 = toInt(x0);
    Expr[] dist = {IrOps.add(r, f64(1)), r, IrOps.sub(f64(1), r), IrOps.sub(f64(2), r)};
    Expr[] w = new Expr[4];
    Expr[] index = new Expr[4];
    Expr total = f64(0);
    for (int k = 0; k < 4; k++) {
      w[k] = keys(dist[k], a);
      index[k] = IrOps.add(i0, IrOps.i32(k - 1));
      if (exclude) {
        w[k] = IrOps.select(IrOps.and(IrOps.ge(index[k], IrOps.i32(0)), IrOps.lt(index[k], IrOps.i32(in))), w[k], f64(0));
        total = IrOps.add(total, w[k]);
      }
    }
    List<Tap> taps = new ArrayList<>();
    for (int k = 0; k < 4; k++) taps.add(new Tap(Topi.clamp(index[k], in), exclude ? IrOps.div(w[k], total) : w[k]));
    return taps;
  }

  /**
   * The antialiasing filter of a shrinking axis: {@code kernel} (support {@code support}) stretched by
   * 1 / scale over the taps {@code floor(x) + j} for {@code j} from {@code s = floor(-support / scale) + 1}
   * to {@code 1 - s} (the ONNX reference's taps), weights normalized to sum 1 over the taps kept.
   */
  private static List<Tap> stretched(Expr x, long in, double scale, int support, java.util.function.UnaryOperator<Expr> kernel,
      boolean exclude) {
    int start = (int) Math.floor(-support / scale) + 1;
    int n = 2 * (1 - start);
    Expr x0 = IrOps.call(DType.F64, "floor", x);
    Expr i0 = toInt(x0);
    Expr[] w = new Expr[n];
    Expr[] index = new Expr[n];
    Expr total = f64(0);
    for (int k = 0; k < n; k++) {
      index[k] = IrOps.add(i0, IrOps.i32(start + k));
      w[k] = kernel.apply(IrOps.mul(IrOps.sub(IrOps.add(x0, f64(start + k)), x), f64(scale)));
      if (exclude) w[k] = IrOps.select(IrOps.and(IrOps.ge(index[k], IrOps.i32(0)), IrOps.lt(index[k], IrOps.i32(in))), w[k], f64(0));
      total = IrOps.add(total, w[k]);
    }
    List<Tap> taps = new ArrayList<>();
    for (int k = 0; k < n; k++) taps.add(new Tap(Topi.clamp(index[k], in), IrOps.div(w[k], total)));
    return taps;
  }

  /** The linear kernel max(0, 1 - |t|). */
  private static Expr triangle(Expr t) {
    return IrOps.max(f64(0), IrOps.sub(f64(1), IrOps.call(DType.F64, "fabs", t)));
  }

  /** The cubic kernel at distance {@code t}: (a+2)|t|³ - (a+3)|t|² + 1 up to 1, a|t|³ - 5a|t|² + 8a|t| - 4a up to 2, then 0. */
  private static Expr keys(Expr distance, double a) {
    Expr t = IrOps.call(DType.F64, "fabs", distance);
    Expr near = IrOps.add(IrOps.mul(IrOps.mul(IrOps.sub(IrOps.mul(f64(a + 2), t), f64(a + 3)), t), t), f64(1));
    Expr far = IrOps.sub(IrOps.mul(IrOps.add(IrOps.mul(IrOps.sub(IrOps.mul(f64(a), t), f64(5 * a)), t), f64(8 * a)), t), f64(4 * a));
    return IrOps.select(IrOps.le(t, f64(1)), near, IrOps.select(IrOps.lt(t, f64(2)), far, f64(0)));
  }

  /** The sum over every combination of taps of the product of their weights times the data there. */
  private static Expr weighted(Tensor data, List<List<Tap>> taps) {
    int[] choice = new int[taps.size()];
    Expr sum = null;
    while (true) {
      Expr term = IrOps.cast(DType.F64, data.get(indices(taps, choice)));
      for (int i = 0; i < choice.length; i++) {
        Expr w = taps.get(i).get(choice[i]).weight();
        if (w != null) term = IrOps.mul(w, term);
      }
      sum = sum == null ? term : IrOps.add(sum, term);
      int i = choice.length - 1;
      while (i >= 0 && ++choice[i] == taps.get(i).size()) choice[i--] = 0;
      if (i < 0) return sum;
    }
  }

  private static List<Expr> indices(List<List<Tap>> taps, int[] choice) {
    List<Expr> out = new ArrayList<>(choice.length);
    for (int i = 0; i < choice.length; i++) out.add(taps.get(i).get(choice[i]).index());
    return out;
  }

  private static Expr toInt(Expr x) {
    // clamp in float64 first, so that a far-away coordinate cannot overflow the int32 conversion
    return IrOps.cast(DType.I32, IrOps.min(IrOps.max(x, f64(-(1 << 30))), f64(1 << 30)));
  }

  private static Expr f64(double v) { return IrOps.constant(DType.F64, v); }
}
