package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.floatAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intAttr;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.Resize;

/**
 * Resizing: {@code resize} (any axes to a given shape by nearest, linear or cubic interpolation, with
 * ONNX Resize's modes) and NNVM's {@code upsampling} (NCHW by an integer factor; nearest neighbour,
 * or bilinear with aligned corners as NNVM had it).
 */
public final class ResizeOps {
  private ResizeOps() {}

  public static List<Op> ops() { return List.of(resize(), upsampling()); }

  private static Op resize() {
    return Op.builder("resize").describe("Resizes data to shape size by nearest, linear or cubic interpolation.").inputs("data")
        .attr("size", null, "the output shape (every axis)", v -> {
          if (Arrays.stream(OpAttrs.parseInts(v)).anyMatch(x -> x < 1)) throw new IllegalArgumentException("expected positive extents");
        })
        .attr("scales", "()", "the scale per axis for the coordinate transformation; () for size / input", ResizeOps::checkScales)
        .attr("method", "nearest", "the interpolation", OpAttrs.oneOf("nearest", "linear", "cubic"))
        .attr("coordinate_transformation_mode", "half_pixel", "how output coordinates map to input coordinates",
            OpAttrs.oneOf(Resize.COORDINATE_MODES.toArray(String[]::new)))
        .attr("nearest_mode", "round_prefer_floor", "how nearest rounds a source coordinate", OpAttrs.oneOf(Resize.NEAREST_MODES.toArray(String[]::new)))
        .attr("cubic_coeff_a", "-0.75", "the coefficient a of cubic interpolation", OpAttrs.FLOAT)
        .attr("exclude_outside", "False", "give taps outside the data weight 0 and renormalize (cubic)", OpAttrs.BOOL)
        .attr("extrapolation_value", "0", "the value where tf_crop_and_resize samples outside the data", OpAttrs.FLOAT)
        .attr("antialias", "False", "filter shrinking axes with the kernel stretched by 1 / scale (linear, cubic)", OpAttrs.BOOL)
        .attr("roi", "()", "tf_crop_and_resize: normalized starts of every axis, then ends", ResizeOps::checkFloats)
        .pattern(OpPattern.INJECTIVE).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          return new Shape[] {Shape.of(params(a, in[0].toArray()).outShape())};
        })
        .compute((a, in) -> List.of(Resize.resize(in.get(0), params(a, org.nnvm4j.tensor.topi.Topi.constShape(in.get(0), "resize")),
            "resize"))).build();
  }

  private static Op upsampling() {
    return Op.builder("upsampling").describe("Upsamples NCHW data by an integer scale: [N, C, H, W] -> [N, C, H*scale, W*scale].")
        .inputs("data")
        .attr("scale", null, "the integer factor", OpAttrs.POSITIVE_INT)
        .attr("layout", "NCHW", "the data layout", OpAttrs.oneOf("NCHW"))
        .attr("method", "NEAREST_NEIGHBOR", "the interpolation", OpAttrs.oneOf("NEAREST_NEIGHBOR", "BILINEAR"))
        .pattern(OpPattern.INJECTIVE).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          if (in[0].rank() != 4) throw CompileException.invalid("upsampling: data has shape %s; expected NCHW", in[0]);
          return new Shape[] {Shape.of(upsamplingParams(a, in[0].toArray()).outShape())};
        })
        .compute((a, in) -> List.of(Resize.resize(in.get(0), upsamplingParams(a, org.nnvm4j.tensor.topi.Topi.constShape(in.get(0),
            "upsampling")), "upsampling"))).build();
  }

  private static Resize.Params upsamplingParams(Map<String, String> a, long[] d) {
    int s = intAttr(a, "scale");
    long[] out = {d[0], d[1], d[2] * s, d[3] * s};
    boolean nearest = a.get("method").equals("NEAREST_NEIGHBOR");
    return new Resize.Params(out, new double[] {1, 1, s, s}, nearest ? Resize.Method.NEAREST : Resize.Method.LINEAR,
        nearest ? "asymmetric" : "align_corners", "floor", -0.75, false, 0, new double[0], false);
  }

  private static Resize.Params params(Map<String, String> a, long[] d) {
    int[] size = OpAttrs.intsAttr(a, "size");
    if (size.length != d.length) {
      throw CompileException.invalid("resize: size %s has %d extents for data of rank %d", a.get("size"), size.length, d.length);
    }
    long[] out = Arrays.stream(size).asLongStream().toArray();
    double[] scales = floats(a.get("scales"));
    if (scales.length == 0) {
      scales = new double[d.length];
      for (int i = 0; i < d.length; i++) scales[i] = (double) out[i] / d[i];
    } else if (scales.length != d.length) {
      throw CompileException.invalid("resize: scales %s has %d values for data of rank %d", a.get("scales"), scales.length, d.length);
    }
    double[] roi = floats(a.get("roi"));
    String mode = a.get("coordinate_transformation_mode");
    if (mode.equals("tf_crop_and_resize") && roi.length != 2 * d.length) {
      throw CompileException.invalid("resize: coordinate_transformation_mode tf_crop_and_resize needs roi of %d values, got %s",
          2 * d.length, a.get("roi"));
    }
    Resize.Method method = Resize.Method.valueOf(a.get("method").toUpperCase(Locale.ROOT));
    return new Resize.Params(out, scales, method, mode, a.get("nearest_mode"), floatAttr(a, "cubic_coeff_a"),
        boolAttr(a, "exclude_outside"), floatAttr(a, "extrapolation_value"), roi, boolAttr(a, "antialias"));
  }

  private static void checkScales(String v) {
    if (Arrays.stream(floats(v)).anyMatch(x -> !(x > 0))) throw new IllegalArgumentException("expected positive scales");
  }

  private static void checkFloats(String v) { floats(v); }

  /** A tuple of finite floats: {@code (1.0, 0.5)}; {@code ()} is empty. */
  static double[] floats(String v) {
    String s = v.trim();
    if (s.startsWith("(") && s.endsWith(")") || s.startsWith("[") && s.endsWith("]")) s = s.substring(1, s.length() - 1).trim();
    if (s.isEmpty()) return new double[0];
    String[] parts = s.split(",");
    int n = parts[parts.length - 1].isBlank() ? parts.length - 1 : parts.length;
    double[] out = new double[n];
    for (int i = 0; i < n; i++) out[i] = OpAttrs.parseFloat(parts[i]);
    return out;
  }
}
