package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.bool;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.Shape;

/**
 * Sampling and spectral ONNX ops: GridSample (4-D; the opset-20 names linear and cubic too) and
 * RoiAlign (a positive sampling_ratio) to grid_sample and roi_align; DFT (axis attribute or, from
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
    if (ratio < 1) throw n.unsupported("sampling_ratio " + ratio + " (adaptive, from each box's size) is not supported; it must be positive");
    String ctm = n.attrString("coordinate_transformation_mode", n.opset() >= 16 ? "half_pixel" : "output_half_pixel");
    return List.of(n.op("roi_align", Map.of(
        "pooled_size", OnnxNode.tuple(n.attrInt("output_height", 1), n.attrInt("output_width", 1)),
        "sampling_ratio", Long.toString(ratio),
        "spatial_scale", Float.toString(n.attrFloat("spatial_scale", 1f)),
        "mode", n.attrString("mode", "avg"),
        "coordinate_transformation_mode", ctm), n.input(0), n.input(1), n.input(2)));
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
