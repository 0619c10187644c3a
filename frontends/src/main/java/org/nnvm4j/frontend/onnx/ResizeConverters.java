package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.bool;
import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * Resize (opsets 10, 11, 13, 18, 19) and Upsample (7, 9) as the graph op {@code resize}. Scales,
 * sizes and roi must be constant; the output shape and per-axis scales are resolved here (axes and
 * keep_aspect_ratio_policy of opset 18 included), so the graph op sees a static shape. Resize-10 and
 * Upsample sample asymmetrically and round nearest as ONNX Runtime does (floor when enlarging, ceil
 * when shrinking). antialias (opset 18) is passed on for linear and cubic.
 */
final class ResizeConverters {
  private ResizeConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("Resize", ResizeConverters::resize);
    t.put("Upsample", ResizeConverters::upsample);
  }

  private static List<Symbol> upsample(OnnxNode n) {
    n.onlyAttrs("mode", "scales");
    Shape s = known(n);
    double[] scales;
    if (n.opset() < 9) {
      var attr = n.attr("scales");
      if (attr == null) throw n.unsupported("attribute 'scales' is required");
      scales = attr.getFloatsList().stream().mapToDouble(Float::doubleValue).toArray();
    } else {
      scales = floats(n, 1);
      if (scales == null) throw n.unsupported("scales (input 1) must be a constant");
    }
    return List.of(legacy(n, s, scales));
  }

  /** Resize-10 and Upsample: scales only, asymmetric coordinates, nearest or linear. */
  private static Symbol legacy(OnnxNode n, Shape s, double[] scales) {
    if (scales.length != s.rank()) throw n.unsupported(scales.length + " scales for data of rank " + s.rank());
    String mode = n.attrString("mode", "nearest");
    if (mode.equals("bilinear")) mode = "linear";
    if (!mode.equals("nearest") && !mode.equals("linear")) throw n.unsupported("mode '" + mode + "' is not supported");
    long[] out = new long[s.rank()];
    for (int i = 0; i < out.length; i++) out[i] = scaled(n, s.dim(i), scales[i]);
    Map<String, String> a = new LinkedHashMap<>();
    a.put("size", tuple(out));
    a.put("scales", floatTuple(scales));
    a.put("method", mode);
    a.put("coordinate_transformation_mode", "asymmetric");
    a.put("nearest_mode", "simple");
    return n.op("resize", a, n.input(0));
  }

  private static List<Symbol> resize(OnnxNode n) {
    Shape s = known(n);
    if (n.opset() < 11) {
      n.onlyAttrs("mode");
      double[] scales = floats(n, 1);
      if (scales == null) throw n.unsupported("scales (input 1) must be a constant");
      return List.of(legacy(n, s, scales));
    }
    n.onlyAttrs("mode", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value", "nearest_mode",
        "antialias", "axes", "keep_aspect_ratio_policy");
    boolean antialias = n.attrInt("antialias", 0) != 0;
    if (antialias && n.attrString("mode", "nearest").equals("nearest")) throw n.unsupported("antialias=1 needs mode linear or cubic");
    int rank = s.rank();
    int[] axes = axes(n, rank);
    double[] given = n.hasInput(2) ? floats(n, 2) : new double[0];
    long[] sizes = n.hasInput(3) ? n.constantInts(3) : new long[0];
    if (given == null) throw n.unsupported("scales (input 2) must be a constant");
    if (sizes == null) throw n.unsupported("sizes (input 3) must be a constant");
    if ((given.length == 0) == (sizes.length == 0)) throw n.unsupported("exactly one of scales and sizes must be given");
    double[] scales = new double[rank];
    long[] out = s.toArray();
    Arrays.fill(scales, 1);
    if (given.length > 0) {
      if (given.length != axes.length) throw n.unsupported(given.length + " scales for " + axes.length + " axes");
      for (int i = 0; i < axes.length; i++) {
        scales[axes[i]] = given[i];
        out[axes[i]] = scaled(n, s.dim(axes[i]), given[i]);
      }
    } else {
      if (sizes.length != axes.length) throw n.unsupported(sizes.length + " sizes for " + axes.length + " axes");
      fitSizes(n, s, axes, sizes, scales, out);
    }
    String coord = n.attrString("coordinate_transformation_mode", "half_pixel");
    Map<String, String> a = new LinkedHashMap<>();
    a.put("size", tuple(out));
    a.put("scales", floatTuple(scales));
    a.put("method", n.attrString("mode", "nearest"));
    a.put("coordinate_transformation_mode", coord);
    a.put("nearest_mode", n.attrString("nearest_mode", "round_prefer_floor"));
    a.put("cubic_coeff_a", Double.toString(n.attrFloat("cubic_coeff_a", -0.75f)));
    a.put("exclude_outside", bool(n.attrInt("exclude_outside", 0) != 0));
    a.put("extrapolation_value", Double.toString(n.attrFloat("extrapolation_value", 0f)));
    if (coord.equals("tf_crop_and_resize")) a.put("roi", floatTuple(roi(n, rank, axes)));
    if (antialias) a.put("antialias", "True");
    return List.of(n.op("resize", a, n.input(0)));
  }

  /** Output extents and scales from sizes, under keep_aspect_ratio_policy stretch, not_larger or not_smaller. */
  private static void fitSizes(OnnxNode n, Shape s, int[] axes, long[] sizes, double[] scales, long[] out) {
    String policy = n.attrString("keep_aspect_ratio_policy", "stretch");
    if (policy.equals("stretch")) {
      for (int i = 0; i < axes.length; i++) {
        out[axes[i]] = sizes[i];
        scales[axes[i]] = (double) sizes[i] / s.dim(axes[i]);
      }
      return;
    }
    if (!policy.equals("not_larger") && !policy.equals("not_smaller")) {
      throw n.unsupported("keep_aspect_ratio_policy '" + policy + "' is not supported");
    }
    double scale = policy.equals("not_larger") ? Double.MAX_VALUE : 0;
    for (int i = 0; i < axes.length; i++) {
      double r = (double) sizes[i] / s.dim(axes[i]);
      scale = policy.equals("not_larger") ? Math.min(scale, r) : Math.max(scale, r);
    }
    for (int axis : axes) {
      scales[axis] = scale;
      out[axis] = Math.max(1, (long) Math.floor(scale * s.dim(axis) + 0.5)); // half up, as the ONNX reference rounds
    }
  }

  /** The region of interest over every axis (starts, then ends); axes not listed get [0, 1]. */
  private static double[] roi(OnnxNode n, int rank, int[] axes) {
    double[] given = n.hasInput(1) ? floats(n, 1) : null;
    if (given == null || given.length != 2 * axes.length) {
      throw n.unsupported("tf_crop_and_resize needs a constant roi (input 1) of " + 2 * axes.length + " values");
    }
    double[] roi = new double[2 * rank];
    for (int i = 0; i < rank; i++) roi[rank + i] = 1;
    for (int i = 0; i < axes.length; i++) {
      roi[axes[i]] = given[i];
      roi[rank + axes[i]] = given[axes.length + i];
    }
    return roi;
  }

  private static int[] axes(OnnxNode n, int rank) {
    long[] given = n.attrInts("axes");
    if (given == null) return java.util.stream.IntStream.range(0, rank).toArray();
    int[] axes = new int[given.length];
    for (int i = 0; i < axes.length; i++) {
      long a = given[i] < 0 ? given[i] + rank : given[i];
      if (a < 0 || a >= rank) throw n.unsupported("axis " + given[i] + " is out of range for rank " + rank);
      axes[i] = (int) a;
    }
    return axes;
  }

  /** floor(in * scale), at least 1. */
  private static long scaled(OnnxNode n, long in, double scale) {
    if (!(scale > 0)) throw n.unsupported("scale " + scale + " must be positive");
    return Math.max(1, (long) Math.floor(in * scale));
  }

  private static Shape known(OnnxNode n) {
    Shape s = n.shape(0);
    if (s == null) throw n.unsupported("the input shape must be known");
    return s;
  }

  /** The values of constant float input {@code i}, an empty array for an empty tensor, or null when not constant. */
  private static double[] floats(OnnxNode n, int i) {
    NDArray v = n.constant(i);
    if (v == null) return null;
    double[] out = new double[Math.toIntExact(v.numElements())];
    for (int k = 0; k < out.length; k++) out[k] = v.getDouble(k);
    return out;
  }

  /** A float tuple whose text keeps every bit of the values (float32 scales stay exactly the model's). */
  private static String floatTuple(double[] v) {
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < v.length; i++) b.append(i == 0 ? "" : ", ").append(Double.toString(v[i]));
    return b.append(v.length == 1 ? ",)" : ")").toString();
  }
}
