package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.bool;
import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.Shape;

/**
 * Sliding-window ONNX ops over 1 to 3 spatial axes: Conv, ConvTranspose, MaxPool (with its Indices
 * output), AveragePool and MaxUnpool. 1-D and 2-D windows with equal padding at both ends run on
 * NNVM's {@code conv2d}/{@code max_pool2d}/{@code avg_pool2d} (1-D lifted to height 1; a 2-D conv
 * with unequal ends pads the difference first), as does a one-group 3-D conv with its depth taps
 * folded into the channels; the rest on the N-D ops ({@code conv3d}, {@code max_pool1d}, ...; a 2-D
 * pool lifted to depth 1).
 */
final class ConvConverters {
  private ConvConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("Conv", ConvConverters::conv);
    t.put("ConvTranspose", ConvConverters::convTranspose);
    t.put("MaxPool", n -> pool(n, false));
    t.put("AveragePool", n -> pool(n, true));
    t.put("MaxUnpool", ConvConverters::maxUnpool);
  }

  private static List<Symbol> conv(OnnxNode n) {
    n.onlyAttrs("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad");
    return List.of(conv(n, n.input(0), n.shape(0), n.input(1), n.shape(1), n.hasInput(2) ? n.input(2) : null));
  }

  /**
   * Conv of {@code data} (shape {@code ds}) with {@code weight} (shape {@code w}) and an optional
   * {@code bias}, by node {@code n}'s window attributes (also the integer convs of the quantized ops).
   */
  static Symbol conv(OnnxNode n, Symbol data, Shape ds, Symbol weight, Shape w, Symbol bias) {
    if (w == null || w.rank() < 3) throw n.unsupported("the weight shape must be known, got " + w);
    Window win = Window.of(n, ds, kernel(n, w));
    Map<String, String> a = new LinkedHashMap<>();
    a.put("channels", Long.toString(w.dim(0)));
    a.put("groups", Long.toString(n.attrInt("group", 1)));
    if (bias == null) a.put("use_bias", "False");
    if (win.spatial() == 3 && n.attrInt("group", 1) != 1) {
      windowAttrs(a, win, "kernel_size");
      a.put("dilation", tuple(win.dilations()));
      return withBias(n, "conv3d", a, data, weight, bias);
    }
    if (win.spatial() == 3) return depthFolded(n, win, data, ds, weight, w, bias, a);
    long[] common = new long[win.spatial()];
    Symbol x = padDifference(n, win, data, common, 0);
    a.put("kernel_size", win.pair(win.kernel(), 1));
    a.put("strides", win.pair(win.strides(), 1));
    a.put("padding", win.pair(common, 0));
    a.put("dilation", win.pair(win.dilations(), 1));
    return drop(n, win, withBias(n, "conv2d", a, lift(n, win, x), lift(n, win, weight), bias));
  }

  /**
   * Pads {@code x} explicitly on the spatial axes from {@code first} on: all of the padding of the
   * axes before {@code first}, and on the others what exceeds the padding common to both ends, which
   * goes to {@code common} for the convolution itself.
   */
  private static Symbol padDifference(OnnxNode n, Window win, Symbol x, long[] common, int first) {
    long[] before = new long[win.spatial() + 2];
    long[] after = new long[win.spatial() + 2];
    boolean any = false;
    for (int i = 0; i < win.spatial(); i++) {
      common[i] = i < first ? 0 : Math.min(win.padBegin()[i], win.padEnd()[i]);
      before[i + 2] = win.padBegin()[i] - common[i];
      after[i + 2] = win.padEnd()[i] - common[i];
      any |= before[i + 2] != 0 || after[i + 2] != 0;
    }
    return any ? n.op("pad", Map.of("pad_before", tuple(before), "pad_after", tuple(after)), x) : x;
  }

  /**
   * A 3-D convolution (one group) as NNVM's {@code conv2d}, which has the x86 strategy: the depth taps
   * fold into the channels. For each depth tap kd a strided slice of the (depth-padded) data gives the
   * planes that tap reads for every output depth; the slices concatenate along channels ([N, KD*C,
   * Dout, H, W]), output depths move into the batch ([N*Dout, KD*C, H, W]), the weight [O, C, KD, KH,
   * KW] becomes [O, KD*C, KH, KW] alike, and the [N*Dout, O, Ho, Wo] result moves back to [N, O, Dout,
   * Ho, Wo]. The data is read KD / stride times; the multiply-adds are the same.
   */
  private static Symbol depthFolded(OnnxNode n, Window win, Symbol data, Shape d, Symbol wt, Shape w, Symbol bias, Map<String, String> a) {
    long[] common = new long[3];
    Symbol x = padDifference(n, win, data, common, 1);
    long depth = d.dim(2) + win.padBegin()[0] + win.padEnd()[0];
    long h = d.dim(3) + win.padBegin()[1] + win.padEnd()[1] - 2 * common[1];
    long wd = d.dim(4) + win.padBegin()[2] + win.padEnd()[2] - 2 * common[2];
    long kd = win.kernel()[0], sd = win.strides()[0], dd = win.dilations()[0];
    long outDepth = (depth - dd * (kd - 1) - 1) / sd + 1;
    long c = d.dim(1);
    Symbol[] taps = new Symbol[(int) kd];
    for (int k = 0; k < kd; k++) {
      long begin = k * dd;
      taps[k] = n.op("strided_slice", Map.of("begin", tuple(0, 0, begin), "end", tuple(d.dim(0), c, begin + (outDepth - 1) * sd + 1),
          "stride", tuple(1, 1, sd)), x);
    }
    Symbol folded = kd == 1 ? taps[0] : n.op("concatenate", Map.of("axis", "1"), taps);
    folded = n.op("transpose", Map.of("axes", tuple(0, 2, 1, 3, 4)), folded);
    folded = n.op("reshape", Map.of("shape", tuple(d.dim(0) * outDepth, kd * c, h, wd)), folded);
    Symbol weight = n.op("transpose", Map.of("axes", tuple(0, 2, 1, 3, 4)), wt);
    weight = n.op("reshape", Map.of("shape", tuple(w.dim(0), kd * c, w.dim(3), w.dim(4))), weight);
    a.put("kernel_size", tuple(w.dim(3), w.dim(4)));
    a.put("strides", tuple(win.strides()[1], win.strides()[2]));
    a.put("padding", tuple(common[1], common[2]));
    a.put("dilation", tuple(win.dilations()[1], win.dilations()[2]));
    Symbol y = withBias(n, "conv2d", a, folded, weight, bias);
    long oh = (h + 2 * common[1] - win.dilations()[1] * (w.dim(3) - 1) - 1) / win.strides()[1] + 1;
    long ow = (wd + 2 * common[2] - win.dilations()[2] * (w.dim(4) - 1) - 1) / win.strides()[2] + 1;
    y = n.op("reshape", Map.of("shape", tuple(d.dim(0), outDepth, w.dim(0), oh, ow)), y);
    return n.op("transpose", Map.of("axes", tuple(0, 2, 1, 3, 4)), y);
  }

  /**
   * ConvTranspose: weight [C, M/group, k...]. Padding comes from pads, from auto_pad SAME_* (output =
   * input * stride) or from output_shape; an odd total puts the extra element at the end for
   * SAME_UPPER and at the beginning otherwise (the ONNX reference), and an output_shape larger than the
   * unpadded output grows output_padding.
   */
  private static List<Symbol> convTranspose(OnnxNode n) {
    n.onlyAttrs("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad", "output_padding", "output_shape");
    Shape d = n.shape(0);
    Shape w = n.shape(1);
    if (d == null || w == null || w.rank() < 3 || w.rank() > 5 || d.rank() != w.rank()) {
      throw n.unsupported("only 1-D, 2-D and 3-D transposed convolutions of known data and weight shapes are supported, got " + d
          + " and " + w);
    }
    int r = w.rank() - 2;
    long[] k = kernel(n, w);
    long[] strides = Window.perAxis(n, "strides", r);
    long[] dil = Window.perAxis(n, "dilations", r);
    long[] outPad = n.attrInts("output_padding");
    outPad = outPad == null ? new long[r] : outPad.clone();
    if (outPad.length != r) throw n.unsupported("'output_padding' must have " + r + " values, got " + Arrays.toString(outPad));
    long[] begin = new long[r];
    long[] end = new long[r];
    long[] outShape = n.attrInts("output_shape");
    String auto = n.attrString("auto_pad", "NOTSET");
    if (outShape != null && outShape.length == r + 2) outShape = Arrays.copyOfRange(outShape, 2, r + 2);
    if (outShape != null && outShape.length != r) throw n.unsupported("'output_shape' must have " + r + " values, got " + Arrays.toString(outShape));
    if (outShape == null && (auto.equals("SAME_UPPER") || auto.equals("SAME_LOWER"))) {
      outShape = new long[r];
      for (int i = 0; i < r; i++) outShape[i] = d.dim(i + 2) * strides[i];
    }
    if (outShape != null) {
      for (int i = 0; i < r; i++) {
        long total = strides[i] * (d.dim(i + 2) - 1) + outPad[i] + (k[i] - 1) * dil[i] + 1 - outShape[i];
        if (total < 0) {
          outPad[i] -= total;
          total = 0;
        }
        begin[i] = auto.equals("SAME_UPPER") ? total / 2 : total - total / 2;
        end[i] = total - begin[i];
      }
    } else if (auto.equals("NOTSET")) {
      long[] p = n.attrInts("pads");
      if (p != null && p.length != 2 * r) throw n.unsupported("'pads' must have " + 2 * r + " values, got " + Arrays.toString(p));
      if (p != null) {
        begin = Arrays.copyOfRange(p, 0, r);
        end = Arrays.copyOfRange(p, r, 2 * r);
      }
    } else if (!auto.equals("VALID")) {
      throw n.unsupported("auto_pad=" + auto + " is not supported");
    }
    long group = n.attrInt("group", 1);
    if (r == 2 && group == 1 && dil[0] == 1 && dil[1] == 1) {
      return List.of(subPixel(n, n.input(0), n.input(1), d, w, strides, begin, end, outPad));
    }
    if (r == 1 && group == 1 && dil[0] == 1) { // as 2-D over [N, C, 1, W]
      Symbol x = n.op("expand_dims", Map.of("axis", "2"), n.input(0));
      Symbol wt = n.op("expand_dims", Map.of("axis", "2"), n.input(1));
      Symbol y = subPixel(n, x, wt, Shape.of(d.dim(0), d.dim(1), 1, d.dim(2)), Shape.of(w.dim(0), w.dim(1), 1, w.dim(2)),
          new long[] {1, strides[0]}, new long[] {0, begin[0]}, new long[] {0, end[0]}, new long[] {0, outPad[0]});
      return List.of(n.op("squeeze", Map.of("axis", tuple(2)), y));
    }
    Map<String, String> a = new LinkedHashMap<>();
    a.put("channels", Long.toString(w.dim(1) * group));
    a.put("kernel_size", tuple(k));
    a.put("strides", tuple(strides));
    a.put("padding", new Window(r, k, strides, dil, begin, end).padding());
    a.put("output_padding", tuple(outPad));
    a.put("dilation", tuple(dil));
    a.put("groups", Long.toString(group));
    if (!n.hasInput(2)) a.put("use_bias", "False");
    return List.of(withBias(n, "conv" + r + "d_transpose", a, n.input(0), n.input(1), n.hasInput(2) ? n.input(2) : null));
  }

  /**
   * A one-group, undilated 2-D transposed convolution (1-D ones lifted to height 1) as one NNVM
   * {@code conv2d} (x86 strategy) and a pixel shuffle. Output position t = Q*s + ph (before cropping the padding) sums x[Q - j] * w[ph + j*s]
   * over j < J = ceil(K / s): per phase a correlation of x, padded by J - 1 before and J after, with
   * the phase's taps reversed. The s_h*s_w phases become output channels of the one conv2d (weight
   * [C, O, K...] zero-padded to J*s, split into (j, ph), j reversed, laid out [O*s_h*s_w, C, J_h, J_w]),
   * the result [N, O*s_h*s_w, Qh, Qw] is shuffled to [N, O, Qh*s_h, Qw*s_w], and the window
   * [pad begin, pad begin + output) is cut out; the bias comes last.
   */
  private static Symbol subPixel(OnnxNode n, Symbol data, Symbol weight, Shape d, Shape w, long[] s, long[] begin, long[] end,
      long[] outPad) {
    long c = w.dim(0), o = w.dim(1), batch = d.dim(0);
    long[] j = new long[2], q = new long[2], out = new long[2];
    for (int i = 0; i < 2; i++) {
      j[i] = Math.ceilDiv(w.dim(i + 2), s[i]);
      q[i] = d.dim(i + 2) + j[i];
      out[i] = (d.dim(i + 2) - 1) * s[i] + w.dim(i + 2) - begin[i] - end[i] + outPad[i];
      if (out[i] < 1) throw n.unsupported("the kernel does not fit: output extent " + out[i]);
    }
    Symbol k = weight;
    if (j[0] * s[0] != w.dim(2) || j[1] * s[1] != w.dim(3)) {
      k = n.op("pad", Map.of("pad_before", tuple(0, 0, 0, 0), "pad_after", tuple(0, 0, j[0] * s[0] - w.dim(2), j[1] * s[1] - w.dim(3))), k);
    }
    k = n.op("reshape", Map.of("shape", tuple(c, o, j[0], s[0], j[1], s[1])), k);
    for (int i = 0; i < 2; i++) {
      if (j[i] == 1) continue;
      int[] reversed = new int[(int) j[i]];
      for (int t = 0; t < reversed.length; t++) reversed[t] = reversed.length - 1 - t;
      Symbol idx = n.param("taps" + i, org.nnvm4j.tensor.NDArray.of(reversed, Shape.of(reversed.length)));
      k = n.op("take", Map.of("axis", Integer.toString(2 + 2 * i)), k, idx);
    }
    k = n.op("transpose", Map.of("axes", tuple(1, 3, 5, 0, 2, 4)), k);
    k = n.op("reshape", Map.of("shape", tuple(o * s[0] * s[1], c, j[0], j[1])), k);
    Symbol x = n.op("pad", Map.of("pad_before", tuple(0, 0, j[0] - 1, j[1] - 1), "pad_after", tuple(0, 0, j[0], j[1])), data);
    Symbol y = n.op("conv2d", Map.of("channels", Long.toString(o * s[0] * s[1]), "kernel_size", tuple(j), "use_bias", "False"), x, k);
    y = n.op("reshape", Map.of("shape", tuple(batch, o, s[0], s[1], q[0], q[1])), y);
    y = n.op("transpose", Map.of("axes", tuple(0, 1, 4, 2, 5, 3)), y);
    y = n.op("reshape", Map.of("shape", tuple(batch, o, q[0] * s[0], q[1] * s[1])), y);
    y = n.op("strided_slice", Map.of("begin", tuple(0, 0, begin[0], begin[1]), "end", tuple(batch, o, begin[0] + out[0], begin[1] + out[1])), y);
    if (!n.hasInput(2)) return y;
    return n.op("broadcast_add", Map.of(), y, n.op("reshape", Map.of("shape", tuple(o, 1, 1)), n.input(2)));
  }

  /** MaxPool (values, and with a second output the int64 indices) and AveragePool. */
  private static List<Symbol> pool(OnnxNode n, boolean avg) {
    n.onlyAttrs("kernel_shape", "strides", "pads", "auto_pad", "ceil_mode", "count_include_pad", "storage_order", "dilations");
    long[] k = n.attrInts("kernel_shape");
    if (k == null) throw n.unsupported("'kernel_shape' is required");
    Window win = Window.of(n, n.shape(0), k);
    boolean ceil = n.attrInt("ceil_mode", 0) != 0;
    List<Symbol> out = new ArrayList<>();
    if (win.spatial() <= 2 && win.symmetric() && win.undilated()) {
      Map<String, String> a = new LinkedHashMap<>();
      a.put("pool_size", win.pair(k, 1));
      a.put("strides", win.pair(win.strides(), 1));
      a.put("padding", win.pair(win.padBegin(), 0));
      a.put("ceil_mode", bool(ceil));
      if (avg) a.put("count_include_pad", bool(n.attrInt("count_include_pad", 0) != 0));
      out.add(drop(n, win, n.op(avg ? "avg_pool2d" : "max_pool2d", a, lift(n, win, n.input(0)))));
    } else {
      boolean deep = win.spatial() == 2;
      Window w = deep ? win.lifted() : win;
      Map<String, String> a = ndPoolAttrs(w, ceil);
      if (avg) a.put("count_include_pad", bool(n.attrInt("count_include_pad", 0) != 0));
      Symbol x = deep ? n.op("expand_dims", Map.of("axis", "2"), n.input(0)) : n.input(0);
      Symbol y = n.op((avg ? "avg" : "max") + "_pool" + w.spatial() + "d", a, x);
      out.add(deep ? n.op("squeeze", Map.of("axis", tuple(2)), y) : y);
    }
    if (n.numOutputs() > 1) {
      if (avg) throw n.unsupported("AveragePool has one output");
      Map<String, String> a = ndPoolAttrs(win, ceil);
      a.put("column_major", bool(n.attrInt("storage_order", 0) != 0));
      out.add(n.op("max_pool" + win.spatial() + "d_argmax", a, n.input(0)));
    }
    return out;
  }

  /** MaxUnpool: X, I (MaxPool's flat indices) and an optional constant output_shape. */
  private static List<Symbol> maxUnpool(OnnxNode n) {
    n.onlyAttrs("kernel_shape", "pads", "strides");
    long[] k = n.attrInts("kernel_shape");
    if (k == null) throw n.unsupported("'kernel_shape' is required");
    Window win = Window.of(n, n.shape(0), k);
    Map<String, String> a = new LinkedHashMap<>();
    windowAttrs(a, win, "pool_size");
    if (n.hasInput(2)) {
      long[] shape = n.constantInts(2);
      if (shape == null) throw n.unsupported("output_shape (input 2) must be a constant");
      a.put("output_size", tuple(shape));
    }
    return List.of(n.op("max_unpool" + win.spatial() + "d", a, n.input(0), n.input(1)));
  }

  static Map<String, String> ndPoolAttrs(Window w, boolean ceil) {
    Map<String, String> a = new LinkedHashMap<>();
    windowAttrs(a, w, "pool_size");
    a.put("dilation", tuple(w.dilations()));
    a.put("ceil_mode", bool(ceil));
    return a;
  }

  /** The N-D ops' window attributes: {@code kernelAttr}, strides, padding (begins, then ends). */
  private static void windowAttrs(Map<String, String> a, Window w, String kernelAttr) {
    a.put(kernelAttr, tuple(w.kernel()));
    a.put("strides", tuple(w.strides()));
    a.put("padding", w.padding());
  }

  /** The kernel extents: the weight's spatial dims, which kernel_shape (when given) must match. */
  private static long[] kernel(OnnxNode n, Shape w) {
    long[] k = Arrays.copyOfRange(w.toArray(), 2, w.rank());
    long[] given = n.attrInts("kernel_shape");
    if (given != null && !Arrays.equals(given, k)) {
      throw n.unsupported("kernel_shape " + Arrays.toString(given) + " does not match the weight's " + Arrays.toString(k));
    }
    return k;
  }

  private static Symbol withBias(OnnxNode n, String op, Map<String, String> a, Symbol x, Symbol w, Symbol bias) {
    return bias != null ? n.op(op, a, x, w, bias) : n.op(op, a, x, w);
  }

  /** For a 1-D window: [N, C, W] -> [N, C, 1, W]. */
  private static Symbol lift(OnnxNode n, Window win, Symbol s) {
    return win.spatial() == 2 ? s : n.op("expand_dims", Map.of("axis", "2"), s);
  }

  /** For a 1-D window: [N, C, 1, W] -> [N, C, W]. */
  private static Symbol drop(OnnxNode n, Window win, Symbol s) {
    return win.spatial() == 2 ? s : n.op("squeeze", Map.of("axis", tuple(2)), s);
  }
}
