package org.nnvm4j.frontend.onnx;

import java.util.Arrays;
import org.nnvm4j.tensor.Shape;

/**
 * The sliding-window attributes of an ONNX Conv or pooling node over 1 or 2 spatial axes, lifted to
 * the 2-D form NNVM's ops take (a 1-D window becomes height 1). Explicit {@code pads} and
 * {@code auto_pad} SAME_UPPER/SAME_LOWER/VALID are resolved from the static input shape; NNVM pads
 * both sides alike, so the begin and end pads must agree.
 */
record Window(int spatial, long[] kernel, long[] strides, long[] dilations, long[] pads) {
  /** The window of node {@code n} with data shape {@code data} and kernel extents {@code kernel} (one per spatial axis). */
  static Window of(OnnxNode n, Shape data, long[] kernel) {
    int r = kernel.length;
    if (data == null || data.rank() != r + 2 || r < 1 || r > 2) {
      throw n.unsupported("only 1-D and 2-D windows over known [N, C, (H,) W] data are supported, got data " + data
          + " and kernel " + Arrays.toString(kernel));
    }
    long[] strides = perAxis(n, "strides", r);
    long[] dil = perAxis(n, "dilations", r);
    long[] begin = new long[r];
    long[] end = new long[r];
    String auto = n.attrString("auto_pad", "NOTSET");
    switch (auto) {
      case "NOTSET" -> {
        long[] p = n.attrInts("pads");
        if (p != null && p.length != 2 * r) throw n.unsupported("'pads' must have " + 2 * r + " values, got " + Arrays.toString(p));
        if (p != null) {
          begin = Arrays.copyOfRange(p, 0, r);
          end = Arrays.copyOfRange(p, r, 2 * r);
        }
      }
      case "VALID" -> { /* no padding */ }
      case "SAME_UPPER", "SAME_LOWER" -> {
        for (int i = 0; i < r; i++) {
          long in = data.dim(i + 2);
          long out = (in + strides[i] - 1) / strides[i];
          long total = Math.max((out - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 - in, 0);
          begin[i] = auto.equals("SAME_UPPER") ? total / 2 : total - total / 2;
          end[i] = total - begin[i];
        }
      }
      default -> throw n.unsupported("auto_pad=" + auto + " is not supported");
    }
    if (!Arrays.equals(begin, end)) {
      throw n.unsupported("asymmetric padding (begin " + Arrays.toString(begin) + ", end " + Arrays.toString(end) + ") is not supported");
    }
    return new Window(r, kernel, strides, dil, begin);
  }

  private static long[] perAxis(OnnxNode n, String attr, int r) {
    long[] v = n.attrInts(attr);
    if (v == null) {
      v = new long[r];
      Arrays.fill(v, 1);
    }
    if (v.length != r) throw n.unsupported("'" + attr + "' must have " + r + " values, got " + Arrays.toString(v));
    return v;
  }

  /** {@code v} as an NNVM 2-D tuple: a 1-D window gets a leading {@code one}. */
  String pair(long[] v, long one) { return spatial == 2 ? OnnxNode.tuple(v) : OnnxNode.tuple(one, v[0]); }
}
