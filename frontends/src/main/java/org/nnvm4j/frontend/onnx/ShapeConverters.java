package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.Shape;

/**
 * Layout ONNX ops: Reshape, Flatten, Transpose, Concat, Unsqueeze, Squeeze, Slice, Gather, GatherElements,
 * Split, Tile, Trilu, DepthToSpace, Pad.
 */
final class ShapeConverters {
  private ShapeConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("Reshape", ShapeConverters::reshape);
    t.put("Flatten", ShapeConverters::flatten);
    t.put("Transpose", n -> {
      n.onlyAttrs("perm");
      long[] perm = n.attrInts("perm");
      return List.of(n.op("transpose", perm == null ? Map.of() : Map.of("axes", tuple(perm)), n.input(0)));
    });
    t.put("Concat", n -> {
      n.onlyAttrs("axis");
      if (!n.hasAttr("axis") && n.opset() >= 4) throw n.unsupported("attribute 'axis' is required");
      Symbol[] in = new Symbol[n.numInputs()];
      for (int i = 0; i < in.length; i++) in[i] = n.input(i);
      return List.of(n.op("concatenate", Map.of("axis", Long.toString(n.attrInt("axis", 1))), in));
    });
    t.put("Unsqueeze", ShapeConverters::unsqueeze);
    t.put("Slice", ShapeConverters::slice);
    t.put("Split", ShapeConverters::split);
    t.put("Tile", ShapeConverters::tile);
    t.put("GatherElements", n -> gatherAlongAxis(n, "gather_elements"));
    t.put("Trilu", n -> {
      n.onlyAttrs("upper");
      long k = 0;
      if (n.hasInput(1)) {
        long[] v = n.constantInts(1);
        if (v == null || v.length != 1) throw n.unsupported("input 'k' must be a one-element constant");
        k = Math.clamp(v[0], Integer.MIN_VALUE / 2, Integer.MAX_VALUE / 2);
      }
      return List.of(n.op("trilu", Map.of("upper", OnnxNode.bool(n.attrInt("upper", 1) != 0), "k", Long.toString(k)), n.input(0)));
    });
    t.put("DepthToSpace", ShapeConverters::depthToSpace);
    t.put("Pad", ShapeConverters::pad);
    t.put("Gather", n -> gatherAlongAxis(n, "take"));
    t.put("Squeeze", n -> {
      long[] axes = axes(n, 13);
      return List.of(n.op("squeeze", axes == null ? Map.of() : Map.of("axis", tuple(axes)), n.input(0)));
    });
  }

  /** Reshape: the target shape is an attribute before opset 5 and a constant input after; 0 copies a dimension unless allowzero. */
  private static List<Symbol> reshape(OnnxNode n) {
    long[] shape;
    if (n.opset() < 5) {
      n.onlyAttrs("shape", "consumed_inputs");
      shape = n.attrInts("shape");
    } else {
      n.onlyAttrs("allowzero");
      shape = n.constantInts(1);
      if (shape == null) throw n.unsupported("the shape input must be a constant (an initializer or Constant)");
      if (n.attrInt("allowzero", 0) != 0 && Arrays.stream(shape).anyMatch(d -> d == 0)) {
        throw n.unsupported("allowzero=1 with a 0 in the shape is not supported");
      }
    }
    if (shape == null) throw n.unsupported("no target shape");
    return List.of(n.op("reshape", Map.of("shape", tuple(shape)), n.input(0)));
  }

  /** Flatten at {@code axis}: NNVM's flatten for axis 1, a reshape to [prod(:axis), prod(axis:)] otherwise. */
  private static List<Symbol> flatten(OnnxNode n) {
    n.onlyAttrs("axis");
    long axis = n.attrInt("axis", 1);
    Shape s = n.shape(0);
    if (axis == 1 && s != null && s.rank() >= 2) return List.of(n.op("flatten", Map.of(), n.input(0)));
    if (s == null) throw n.unsupported("the input shape must be known for axis " + axis);
    if (axis < 0) axis += s.rank();
    long outer = 1;
    long inner = 1;
    for (int i = 0; i < s.rank(); i++) {
      if (i < axis) outer *= s.dim(i);
      else inner *= s.dim(i);
    }
    return List.of(n.op("reshape", Map.of("shape", tuple(outer, inner)), n.input(0)));
  }

  /** Gather and GatherElements: data and indices along attribute {@code axis} (default 0) into graph op {@code op}. */
  private static List<Symbol> gatherAlongAxis(OnnxNode n, String op) {
    n.onlyAttrs("axis");
    return List.of(n.op(op, Map.of("axis", Long.toString(n.attrInt("axis", 0))), n.input(0), n.input(1)));
  }

  /** Unsqueeze: one expand_dims per new axis, in ascending order of the output positions. */
  private static List<Symbol> unsqueeze(OnnxNode n) {
    long[] axes = axes(n, 13);
    Shape s = n.shape(0);
    if (axes == null) throw n.unsupported("'axes' is required");
    if (s == null) throw n.unsupported("the input shape must be known");
    int outRank = s.rank() + axes.length;
    long[] sorted = Arrays.stream(axes).map(a -> a < 0 ? a + outRank : a).sorted().toArray();
    Symbol y = n.input(0);
    for (long a : sorted) y = n.op("expand_dims", Map.of("axis", Long.toString(a)), y);
    return List.of(y);
  }

  /**
   * Slice: opsets 1 to 9 give starts, ends and axes as attributes; 10 and later as (constant) inputs,
   * with optional axes and steps. Unlisted axes are whole; out-of-range values clamp (strided_slice).
   */
  private static List<Symbol> slice(OnnxNode n) {
    Shape s = n.shape(0);
    if (s == null) throw n.unsupported("the input shape must be known");
    long[] starts, ends, axes, steps = null;
    if (n.opset() < 10) {
      n.onlyAttrs("starts", "ends", "axes");
      starts = n.attrInts("starts");
      ends = n.attrInts("ends");
      axes = n.attrInts("axes");
    } else {
      n.onlyAttrs();
      starts = n.constantInts(1);
      ends = n.constantInts(2);
      axes = n.hasInput(3) ? n.constantInts(3) : null;
      steps = n.hasInput(4) ? n.constantInts(4) : null;
      if (starts == null || ends == null || (n.hasInput(3) && axes == null) || (n.hasInput(4) && steps == null)) {
        throw n.unsupported("starts, ends, axes and steps must be constants (initializers or Constants)");
      }
    }
    if (starts == null || ends == null || starts.length != ends.length) throw n.unsupported("starts and ends must have one length");
    int r = s.rank();
    long[] begin = new long[r], end = new long[r], stride = new long[r];
    Arrays.fill(end, Integer.MAX_VALUE);
    Arrays.fill(stride, 1);
    for (int i = 0; i < starts.length; i++) {
      long ax = axes == null ? i : axes[i];
      if (ax < -r || ax >= r) throw n.unsupported("axis " + ax + " is out of range for rank " + r);
      int d = (int) (ax < 0 ? ax + r : ax);
      begin[d] = Math.clamp(starts[i], Integer.MIN_VALUE, Integer.MAX_VALUE);
      end[d] = Math.clamp(ends[i], Integer.MIN_VALUE, Integer.MAX_VALUE);
      stride[d] = steps == null ? 1 : steps[i];
      if (stride[d] == 0 || Math.abs(stride[d]) > Integer.MAX_VALUE) throw n.unsupported("step " + stride[d] + " is not supported");
    }
    return List.of(n.op("strided_slice", Map.of("begin", tuple(begin), "end", tuple(end), "stride", tuple(stride)), n.input(0)));
  }

  /**
   * Split into one strided_slice per output along {@code axis}: sizes from attribute {@code split}
   * (before opset 13) or the optional input (13 and later); without them equal parts, the last one
   * smaller when {@code num_outputs} (opset 18) does not divide the axis.
   */
  private static List<Symbol> split(OnnxNode n) {
    Shape s = n.shape(0);
    if (s == null) throw n.unsupported("the input shape must be known");
    long[] sizes;
    if (n.opset() < 13) {
      n.onlyAttrs("axis", "split");
      sizes = n.attrInts("split");
      if (sizes == null && n.hasInput(1)) sizes = n.constantInts(1);
    } else {
      n.onlyAttrs("axis", "num_outputs");
      sizes = n.hasInput(1) ? n.constantInts(1) : null;
      if (n.hasInput(1) && sizes == null) throw n.unsupported("the split input must be a constant (an initializer or Constant)");
    }
    int r = s.rank();
    long axis = n.attrInt("axis", 0);
    if (axis < -r || axis >= r) throw n.unsupported("axis " + axis + " is out of range for rank " + r);
    int d = (int) (axis < 0 ? axis + r : axis);
    long extent = s.dim(d);
    int parts = n.numOutputs();
    if (sizes == null) {
      long each = Math.ceilDiv(extent, parts);
      if (!n.hasAttr("num_outputs") && extent % parts != 0) throw n.unsupported("axis extent " + extent + " does not split into " + parts);
      sizes = new long[parts];
      for (int i = 0; i < parts; i++) sizes[i] = Math.max(0, Math.min(each, extent - i * each));
    }
    if (sizes.length != parts) throw n.unsupported("split sizes " + Arrays.toString(sizes) + " do not give " + parts + " outputs");
    return slices(n, s, d, sizes);
  }

  /** Input 0 (of shape {@code s}) cut along axis {@code d} into consecutive pieces of {@code sizes}, which must cover the axis. */
  static List<Symbol> slices(OnnxNode n, Shape s, int d, long[] sizes) {
    long extent = s.dim(d);
    if (Arrays.stream(sizes).anyMatch(x -> x < 0) || Arrays.stream(sizes).sum() != extent) {
      throw n.unsupported("split sizes " + Arrays.toString(sizes) + " do not cover axis extent " + extent);
    }
    List<Symbol> out = new java.util.ArrayList<>();
    long at = 0;
    for (long size : sizes) {
      long[] begin = new long[s.rank()], end = s.toArray();
      begin[d] = at;
      end[d] = at + size;
      out.add(n.op("strided_slice", Map.of("begin", tuple(begin), "end", tuple(end)), n.input(0)));
      at += size;
    }
    return out;
  }

  /** Tile: the input repeated (constant) {@code repeats[d]} times along each axis, as concatenations. */
  private static List<Symbol> tile(OnnxNode n) {
    n.onlyAttrs();
    Shape s = n.shape(0);
    long[] reps = n.constantInts(1);
    if (s == null || reps == null) throw n.unsupported("the input shape and the repeats (a constant) must be known");
    if (reps.length != s.rank() || Arrays.stream(reps).anyMatch(k -> k < 1)) throw n.unsupported("repeats " + Arrays.toString(reps) + " is not supported");
    Symbol y = n.input(0);
    for (int d = 0; d < reps.length; d++) {
      if (reps[d] == 1) continue;
      Symbol[] copies = new Symbol[(int) reps[d]];
      Arrays.fill(copies, y);
      y = n.op("concatenate", Map.of("axis", Integer.toString(d)), copies);
    }
    return List.of(y == n.input(0) ? n.op("copy", Map.of(), y) : y);
  }

  /**
   * DepthToSpace on [N, C, H, W] with block b: reshape to 6-D, transpose, reshape to [N, C/b², H*b, W*b];
   * mode DCR (depth, column, row; the default) or CRD.
   */
  private static List<Symbol> depthToSpace(OnnxNode n) {
    n.onlyAttrs("blocksize", "mode");
    Shape s = n.shape(0);
    if (s == null || s.rank() != 4) throw n.unsupported("the input must be of known rank-4 shape");
    long b = n.attrInt("blocksize", 0);
    long c = s.dim(1), h = s.dim(2), w = s.dim(3);
    if (b < 1 || c % (b * b) != 0) throw n.unsupported("blocksize " + b + " does not divide the " + c + " channels");
    boolean crd = n.attrString("mode", "DCR").equals("CRD");
    long[] six = crd ? new long[] {s.dim(0), c / (b * b), b, b, h, w} : new long[] {s.dim(0), b, b, c / (b * b), h, w};
    long[] perm = crd ? new long[] {0, 1, 4, 2, 5, 3} : new long[] {0, 3, 4, 1, 5, 2};
    Symbol y = n.op("reshape", Map.of("shape", tuple(six)), n.input(0));
    y = n.op("transpose", Map.of("axes", tuple(perm)), y);
    return List.of(n.op("reshape", Map.of("shape", tuple(s.dim(0), c / (b * b), h * b, w * b)), y));
  }

  /**
   * Pad: opsets 1 to 10 give pads (opset 1: paddings) and value as attributes; 11 and later pads,
   * constant_value and (18) axes as constant inputs. Pads list all begins, then all ends.
   */
  private static List<Symbol> pad(OnnxNode n) {
    Shape s = n.shape(0);
    if (s == null) throw n.unsupported("the input shape must be known");
    int r = s.rank();
    long[] pads;
    double value = 0;
    long[] axes = null;
    if (n.opset() < 11) {
      n.onlyAttrs("pads", "paddings", "value", "mode");
      pads = n.hasAttr("pads") ? n.attrInts("pads") : n.attrInts("paddings");
      value = n.attrFloat("value", 0f);
    } else {
      n.onlyAttrs("mode");
      pads = n.constantInts(1);
      if (n.hasInput(2)) {
        org.nnvm4j.tensor.NDArray v = n.constant(2);
        if (v == null || v.numElements() != 1) throw n.unsupported("constant_value must be a one-element constant");
        value = v.getDouble(0);
      }
      if (n.hasInput(3)) {
        axes = n.constantInts(3);
        if (axes == null) throw n.unsupported("axes must be a constant");
      }
    }
    if (pads == null) throw n.unsupported("pads must be a constant");
    int k = axes == null ? r : axes.length;
    if (pads.length != 2 * k) throw n.unsupported("pads has " + pads.length + " values for " + k + " axes");
    long[] before = new long[r], after = new long[r];
    for (int i = 0; i < k; i++) {
      long ax = axes == null ? i : axes[i];
      if (ax < -r || ax >= r) throw n.unsupported("axis " + ax + " is out of range for rank " + r);
      int d = (int) (ax < 0 ? ax + r : ax);
      before[d] = pads[i];
      after[d] = pads[i + k];
    }
    String mode = n.attrString("mode", "constant");
    if (!List.of("constant", "edge", "reflect", "wrap").contains(mode)) throw n.unsupported("mode '" + mode + "' is not supported");
    if (!Double.isFinite(value)) throw n.unsupported("a non-finite pad value is not supported");
    return List.of(n.op("pad", Map.of("pad_before", tuple(before), "pad_after", tuple(after), "mode", mode,
        "pad_value", Double.toString(value)), n.input(0)));
  }

  /** The axes: an attribute before {@code inputSince}, the (constant) second input from it on; null when absent. */
  static long[] axes(OnnxNode n, int inputSince) {
    if (n.opset() < inputSince) {
      n.onlyAttrs("axes", "keepdims");
      return n.attrInts("axes");
    }
    n.onlyAttrs("keepdims", "noop_with_empty_axes");
    if (!n.hasInput(1)) return null;
    long[] v = n.constantInts(1);
    if (v == null) throw n.unsupported("the axes input must be a constant (an initializer or Constant)");
    return v;
  }
}
