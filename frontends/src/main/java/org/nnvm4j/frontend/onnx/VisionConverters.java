package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.bool;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.Shape;

/**
 * Sampling and spectral ONNX ops: GridSample (4-D; the opset-20 names linear and cubic too) and
 * RoiAlign (a positive sampling_ratio, or the adaptive 0 over constant rois) to grid_sample and roi_align; DFT (axis attribute or, from
 * opset 20, input; constant dft_length) and STFT (constant frame_step and frame_length) to dft and stft.
 */
final class VisionConverters {
  private VisionConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("GridSample", VisionConverters::gridSample);
    t.put("RoiAlign", VisionConverters::roiAlign);
    t.put("DFT", VisionConverters::dft);
    t.put("STFT", VisionConverters::stft);
  }

  private static List<Symbol> gridSample(OnnxNode n) {
    n.onlyAttrs("align_corners", "mode", "padding_mode");
    Shape x = n.shape(0);
    if (x == null || x.rank() != 4) throw n.unsupported("only 4-D X [N, C, H, W] is supported, got " + x);
    String mode = switch (n.attrString("mode", n.opset() >= 20 ? "linear" : "bilinear")) {
      case "bilinear", "linear" -> "bilinear";
      case "bicubic", "cubic" -> "bicubic";
      case "nearest" -> "nearest";
      default -> throw n.unsupported("mode '" + n.attrString("mode", "") + "' is not supported");
    };
    String padding = n.attrString("padding_mode", "zeros");
    if (!List.of("zeros", "border", "reflection").contains(padding)) throw n.unsupported("padding_mode '" + padding + "' is not supported");
    return List.of(n.op("grid_sample", Map.of("mode", mode, "padding_mode", padding,
        "align_corners", bool(n.attrInt("align_corners", 0) != 0)), n.input(0), n.input(1)));
  }

  private static List<Symbol> roiAlign(OnnxNode n) {
    n.onlyAttrs("mode", "output_height", "output_width", "sampling_ratio", "spatial_scale", "coordinate_transformation_mode");
    long ratio = n.attrInt("sampling_ratio", 0);
    if (ratio < 0) throw n.unsupported("sampling_ratio must be >= 0, got " + ratio);
    String ctm = n.attrString("coordinate_transformation_mode", n.opset() >= 16 ? "half_pixel" : "output_half_pixel");
    long oh = n.attrInt("output_height", 1);
    long ow = n.attrInt("output_width", 1);
    float scale = n.attrFloat("spatial_scale", 1f);
    Map<String, String> a = new java.util.LinkedHashMap<>(Map.of("pooled_size", OnnxNode.tuple(oh, ow), "sampling_ratio", Long.toString(ratio),
        "spatial_scale", Float.toString(scale), "mode", n.attrString("mode", "avg"), "coordinate_transformation_mode", ctm));
    if (ratio == 0) a.put("max_grid", adaptiveBound(n, oh, ow, scale, ctm.equals("half_pixel")));
    return List.of(n.op("roi_align", a, n.input(0), n.input(1), n.input(2)));
  }

  /**
   * The largest adaptive sampling grid, ceil(box extent / bins) over the boxes, which must therefore
   * be constant; one more than computed in float32 here, so that the kernel's own rounding never exceeds it.
   */
  private static String adaptiveBound(OnnxNode n, long oh, long ow, float scale, boolean halfPixel) {
    org.nnvm4j.tensor.NDArray rois = n.constant(1);
    if (rois == null) throw n.unsupported("sampling_ratio 0 (adaptive) needs constant rois, to bound the samples per bin");
    long gh = 1;
    long gw = 1;
    for (long r = 0; r < rois.numElements() / 4; r++) {
      float h = (float) rois.getDouble(4 * r + 3) * scale - (float) rois.getDouble(4 * r + 1) * scale;
      float w = (float) rois.getDouble(4 * r + 2) * scale - (float) rois.getDouble(4 * r) * scale;
      if (!halfPixel) {
        h = Math.max(h, 1);
        w = Math.max(w, 1);
      }
      gh = Math.max(gh, (long) Math.ceil(h / oh) + 1);
      gw = Math.max(gw, (long) Math.ceil(w / ow) + 1);
    }
    if (gh * gw > 4096) throw n.unsupported("adaptive sampling needs up to " + gh + " x " + gw + " samples per bin; at most 4096 are supported");
    return OnnxNode.tuple(gh, gw);
  }

  private static List<Symbol> dft(OnnxNode n) {
    n.onlyAttrs("axis", "inverse", "onesided");
    Shape x = n.shape(0);
    if (x == null) throw n.unsupported("the input shape must be known");
    long axis = n.attrInt("axis", n.opset() >= 20 ? -2 : 1);
    if (n.opset() >= 20 && n.hasInput(2)) axis = single(n, 2, "axis");
    if (axis < 0) axis += x.rank();
    long length = n.hasInput(1) ? single(n, 1, "dft_length") : 0;
    return List.of(n.op("dft", Map.of("axis", Long.toString(axis), "length", Long.toString(length),
        "inverse", bool(n.attrInt("inverse", 0) != 0), "onesided", bool(n.attrInt("onesided", 0) != 0)), n.input(0)));
  }

  private static List<Symbol> stft(OnnxNode n) {
    n.onlyAttrs("onesided");
    long step = single(n, 1, "frame_step");
    Symbol window;
    if (n.hasInput(2)) {
      window = n.input(2);
      Shape w = n.shape(2);
      if (n.hasInput(3) && (w == null || w.rank() != 1 || w.dim(0) != single(n, 3, "frame_length"))) {
        throw n.unsupported("window " + w + " does not match frame_length " + single(n, 3, "frame_length"));
      }
    } else {
      if (!n.hasInput(3)) throw n.unsupported("either window or frame_length is required");
      long len = single(n, 3, "frame_length");
      if (len < 1 || n.dtype(0) == null) throw n.unsupported("frame_length must be positive and the signal dtype known");
      org.nnvm4j.tensor.NDArray ones = org.nnvm4j.tensor.NDArray.allocate(n.dtype(0), Shape.of(len));
      for (long i = 0; i < len; i++) ones.setDouble(i, 1);
      window = n.param("window", ones);
    }
    return List.of(n.op("stft", Map.of("frame_step", Long.toString(step), "onesided", bool(n.attrInt("onesided", 1) != 0)),
        n.input(0), window));
  }

  /** The one integer of constant input {@code i}. */
  private static long single(OnnxNode n, int i, String what) {
    long[] v = n.constantInts(i);
    if (v == null || v.length != 1) throw n.unsupported(what + " must be a constant holding one integer");
    return v[0];
  }
}
