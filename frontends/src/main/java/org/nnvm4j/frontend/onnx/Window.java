package org.nnvm4j.frontend.onnx;

import java.util.Arrays;
import java.util.stream.LongStream;
import org.nnvm4j.tensor.Shape;

/**
 * The sliding-window attributes of an ONNX Conv or pooling node over 1 to 3 spatial axes: kernel,
 * strides, dilations and the padding at both ends of each axis, with {@code auto_pad}
 * SAME_UPPER/SAME_LOWER/VALID resolved from the static input shape.
 */
record Window(int spatial, long[] kernel, long[] strides, long[] dilations, long[] padBegin, long[] padEnd) {
  /** The window of node {@code n} with data shape {@code data} and kernel extents {@code kernel} (one per spatial axis). */
  static Window of(OnnxNode n, Shape data, long[] kernel) {
    int r = kernel.length;
    if (data == null || data.rank() != r + 2 || r < 1 || r > 3) {
      throw n.unsupported("only 1-D, 2-D and 3-D windows over known [N, C, spatial...] data are supported, got data " + data
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
    if (LongStream.of(begin).anyMatch(v -> v < 0) || LongStream.of(end).anyMatch(v -> v < 0)) {
      throw n.unsupported("negative 'pads' " + Arrays.toString(begin) + " / " + Arrays.toString(end) + " are not supported");
    }
    return new Window(r, kernel, strides, dil, begin, end);
  }

  static long[] perAxis(OnnxNode n, String attr, int r) {
    long[] v = n.attrInts(attr);
    if (v == null) {
      v = new long[r];
      Arrays.fill(v, 1);
    }
    if (v.length != r) throw n.unsupported("'" + attr + "' must have " + r + " values, got " + Arrays.toString(v));
    if (LongStream.of(v).anyMatch(x -> x < 1)) throw n.unsupported("'" + attr + "' must be positive, got " + Arrays.toString(v));
    return v;
  }

  /** Whether both ends of every axis get the same padding. */
  boolean symmetric() { return Arrays.equals(padBegin, padEnd); }

  /** Whether no axis is dilated. */
  boolean undilated() { return LongStream.of(dilations).allMatch(d -> d == 1); }

  /** {@code v} as an NNVM 2-D tuple: a 1-D window gets a leading {@code one}. */
  String pair(long[] v, long one) { return spatial == 2 ? OnnxNode.tuple(v) : OnnxNode.tuple(one, v[0]); }

  /** This window with a leading spatial axis of extent 1 (a 2-D window run as 3-D over [N, C, 1, H, W]). */
  Window lifted() {
    return new Window(spatial + 1, prepend(kernel, 1), prepend(strides, 1), prepend(dilations, 1), prepend(padBegin, 0),
        prepend(padEnd, 0));
  }

  /** The N-D ops' padding text: all begins, then all ends. */
  String padding() {
    long[] all = new long[2 * spatial];
    System.arraycopy(padBegin, 0, all, 0, spatial);
    System.arraycopy(padEnd, 0, all, spatial, spatial);
    return OnnxNode.tuple(all);
  }

  private static long[] prepend(long[] v, long first) {
    long[] out = new long[v.length + 1];
    out[0] = first;
    System.arraycopy(v, 0, out, 1, v.length);
    return out;
  }
}
