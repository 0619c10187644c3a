package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.ints;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.ConvNd;

/**
 * Convolutions over 1 and 3 spatial axes ({@code conv1d}, {@code conv3d}) and transposed convolutions
 * over 1, 2 and 3 ({@code conv1d_transpose}, NNVM's {@code conv2d_transpose}, {@code conv3d_transpose}),
 * channels first. {@code padding} gives one value per axis (both ends) or all begins then all ends.
 */
public final class ConvNdOps {
  private static final String[] SPATIAL = {"W", "HW", "DHW"};

  private ConvNdOps() {}

  public static List<Op> ops() {
    return List.of(conv(1, false), conv(3, false), conv(1, true), conv(2, true), conv(3, true));
  }

  private static Op conv(int r, boolean transpose) {
    String name = "conv" + r + "d" + (transpose ? "_transpose" : "");
    String layout = "NC" + SPATIAL[r - 1];
    String kernelLayout = (transpose ? "IO" : "OI") + SPATIAL[r - 1];
    Op.Builder b = Op.builder(name)
        .describe(r + "-d " + (transpose ? "transposed convolution, " + layout + " data and " + kernelLayout + " weight [in, channels/groups, k...]"
            : "convolution, " + layout + " data and " + kernelLayout + " weight") + ", plus bias [channels].")
        .inputs("data", "weight", "bias").arity(a -> boolAttr(a, "use_bias") ? 3 : 2)
        .attr("channels", null, "the number of output channels", OpAttrs.POSITIVE_INT)
        .attr("kernel_size", null, "the kernel extent per spatial axis", OpAttrs.positivePair(r))
        .attr("strides", tuple(r, 1), "the strides per spatial axis", OpAttrs.positivePair(r))
        .attr("padding", tuple(r, 0), "zero padding: one value per spatial axis, or all begins then all ends", padding(r))
        .attr("dilation", tuple(r, 1), "the dilation per spatial axis", OpAttrs.positivePair(r));
    if (transpose) b.attr("output_padding", tuple(r, 0), "extent added at the end of each output axis", OpAttrs.nonNegativePair(r));
    return b.attr("groups", "1", "the number of groups", OpAttrs.POSITIVE_INT)
        .attr("layout", layout, "the data layout", OpAttrs.oneOf(layout))
        .attr("kernel_layout", kernelLayout, "the weight layout", r == 2 && transpose
            ? OpAttrs.oneOf(kernelLayout, "OIHW") // NNVM's conv2d_transpose labels the same [in, channels/groups, kh, kw] weight OIHW
            : OpAttrs.oneOf(kernelLayout))
        .attr("use_bias", "True", "whether to add the bias input", OpAttrs.BOOL)
        .pattern(OpPattern.OUT_ELEMWISE_FUSABLE).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> in[0] == null ? null : new Shape[] {inferShape(name, r, transpose, a, in)})
        .compute((a, in) -> {
          ConvNd.Params p = params(a, r);
          Tensor out = transpose ? ConvNd.transpose(in.get(0), in.get(1), p, name) : ConvNd.conv(in.get(0), in.get(1), p, name);
          return List.of(in.size() > 2 ? Conv2d.biasAdd(out, in.get(2), name + "_bias") : out);
        }).build();
  }

  private static Shape inferShape(String name, int r, boolean transpose, Map<String, String> a, Shape[] in) {
    Shape d = in[0];
    if (d.rank() != r + 2) throw CompileException.invalid("%s: data has shape %s; expected rank %d (NC%s)", name, d, r + 2, SPATIAL[r - 1]);
    ConvNd.Params p = params(a, r);
    long channels = intAttr(a, "channels");
    int[] k = ints(a.get("kernel_size"), r);
    if (d.dim(1) % p.groups() != 0 || channels % p.groups() != 0) {
      throw CompileException.invalid("%s: %d input channels and %d output channels are not divisible by groups=%d", name, d.dim(1),
          channels, p.groups());
    }
    long[] w = new long[r + 2];
    w[0] = transpose ? d.dim(1) : channels;
    w[1] = transpose ? channels / p.groups() : d.dim(1) / p.groups();
    for (int i = 0; i < r; i++) w[i + 2] = k[i];
    OpRules.expect(in, 1, "weight", Shape.of(w));
    if (in.length > 2) OpRules.expect(in, 2, "bias", Shape.of(channels));
    for (int i = 0; i < r && transpose; i++) {
      if (p.outputPadding()[i] >= Math.max(p.strides()[i], p.dilation()[i])) {
        throw CompileException.invalid("%s: output_padding %d of axis %d must be smaller than its stride or dilation", name,
            p.outputPadding()[i], i);
      }
    }
    long[] out = transpose ? ConvNd.transposeShape(d.toArray(), w, p) : ConvNd.convShape(d.toArray(), w, p);
    for (int i = 2; i < out.length; i++) {
      if (out[i] < 1) throw CompileException.invalid("%s: kernel %s does not fit data %s (output %s)", name, Arrays.toString(k), d,
          Arrays.toString(out));
    }
    return Shape.of(out);
  }

  /** The parameters of a conv node of {@code r} spatial axes from its attributes (defaults filled in). */
  public static ConvNd.Params params(Map<String, String> a, int r) {
    int[][] pad = padding(a.get("padding"), r);
    int[] outPad = a.containsKey("output_padding") ? ints(a.get("output_padding"), r) : new int[r];
    return new ConvNd.Params(ints(a.get("strides"), r), ints(a.get("dilation"), r), pad[0], pad[1], intAttr(a, "groups"), outPad);
  }

  /** Checks a padding of {@code r} or {@code 2r} non-negative integers. */
  static Op.AttrCheck padding(int r) {
    return v -> {
      for (int[] side : padding(v, r)) {
        if (Arrays.stream(side).anyMatch(x -> x < 0)) throw new IllegalArgumentException("expected non-negative padding");
      }
    };
  }

  /** Begin and end padding from {@code r} values (both ends) or {@code 2r} values (begins, then ends). */
  static int[][] padding(String v, int r) {
    int[] t = OpAttrs.parseInts(v);
    if (t.length == 2 * r) {
      return new int[][] {Arrays.copyOfRange(t, 0, r), Arrays.copyOfRange(t, r, 2 * r)};
    }
    if (t.length != r && t.length != 1) throw new IllegalArgumentException("expected " + r + " or " + 2 * r + " integers, got " + t.length);
    int[] both = ints(v, r);
    return new int[][] {both, both.clone()};
  }

  /** {@code (v, v, ...)} with {@code r} elements. */
  static String tuple(int r, int v) {
    int[] t = new int[r];
    Arrays.fill(t, v);
    return OpAttrs.tuple(t);
  }
}
