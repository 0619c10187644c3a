package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.floatAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.ints;
import static org.nnvm4j.graph.ops.OpAttrs.normalizeAxis;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.LayoutRule;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.Nn;
import org.nnvm4j.tensor.topi.Pool;

/** Neural-network ops (NNVM levels 1 and 2): dense, conv2d, pooling, softmax, batch_norm, dropout. */
public final class NnOps {
  private NnOps() {}

  public static List<Op> ops() {
    return List.of(dense(), conv2d(), pool("max_pool2d", false), pool("avg_pool2d", true), global("global_max_pool2d", false),
        global("global_avg_pool2d", true), softmax("softmax", false), softmax("log_softmax", true), batchNorm(), dropout());
  }

  private static Op dense() {
    return Op.builder("dense").describe("data [B, K] times weight [units, K] transposed, plus bias [units].")
        .inputs("data", "weight", "bias").arity(a -> boolAttr(a, "use_bias") ? 3 : 2)
        .attr("units", null, "the number of output features", OpAttrs.POSITIVE_INT)
        .attr("use_bias", "True", "whether to add the bias input", OpAttrs.BOOL)
        .pattern(OpPattern.OUT_ELEMWISE_FUSABLE).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> OpRules.dense("dense", in, intAttr(a, "units"), k -> Shape.of(intAttr(a, "units"), k)))
        .compute((a, in) -> {
          Tensor out = Nn.dense(in.get(0), in.get(1), "dense");
          return List.of(in.size() > 2 ? Conv2d.biasAdd(out, in.get(2), "dense_bias") : out);
        }).build();
  }

  private static Op conv2d() {
    return convBuilder("conv2d", "2-d convolution, NCHW data and OIHW weight (or NHWC and HWIO), plus bias [channels].")
        .attr("groups", "1", "the number of groups", OpAttrs.POSITIVE_INT)
        .attr("layout", "NCHW", "the data layout", OpAttrs.oneOf("NCHW", "NHWC"))
        .attr("kernel_layout", "OIHW", "the weight layout (OIHW with NCHW data, HWIO with NHWC)", OpAttrs.oneOf("OIHW", "HWIO"))
        .attr("use_bias", "True", "whether to add the bias input", OpAttrs.BOOL)
        .pattern(OpPattern.OUT_ELEMWISE_FUSABLE).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          Shape d = in[0];
          boolean nhwc = nhwc(a);
          if (d.rank() != 4) throw CompileException.invalid("conv2d: data has shape %s; expected %s", d, a.get("layout"));
          Conv2d.Params p = convParams(a);
          long inC = d.dim(nhwc ? 3 : 1);
          long channels = intAttr(a, "channels");
          int[] k = ints(a.get("kernel_size"), 2);
          if (inC % p.groups() != 0 || channels % p.groups() != 0) {
            throw CompileException.invalid("conv2d: %d input channels and %d output channels are not divisible by groups=%d", inC,
                channels, p.groups());
          }
          OpRules.expect(in, 1, "weight", nhwc ? Shape.of(k[0], k[1], inC / p.groups(), channels) : Shape.of(channels, inC / p.groups(), k[0], k[1]));
          if (in.length > 2) OpRules.expect(in, 2, "bias", Shape.of(channels));
          long[] o = convOut("conv2d", k, p, d.dim(nhwc ? 1 : 2), d.dim(nhwc ? 2 : 3), d);
          return new Shape[] {nhwc ? Shape.of(d.dim(0), o[0], o[1], channels) : Shape.of(d.dim(0), channels, o[0], o[1])};
        })
        .compute((a, in) -> {
          if (nhwc(a)) {
            Tensor out = Conv2d.nhwc(in.get(0), in.get(1), convParams(a), "conv2d");
            return List.of(in.size() > 2 ? Conv2d.biasAddLast(out, in.get(2), "conv2d_bias") : out);
          }
          Tensor out = Conv2d.nchw(in.get(0), in.get(1), convParams(a), "conv2d");
          return List.of(in.size() > 2 ? Conv2d.biasAdd(out, in.get(2), "conv2d_bias") : out);
        }).build();
  }

  /** A 2-d convolution op with optional bias and the attributes every convolution has (channels, kernel, strides, padding, dilation). */
  static Op.Builder convBuilder(String name, String doc) {
    return Op.builder(name).describe(doc)
        .inputs("data", "weight", "bias").arity(a -> boolAttr(a, "use_bias") ? 3 : 2)
        .attr("channels", null, "the number of output channels", OpAttrs.POSITIVE_INT)
        .attr("kernel_size", null, "(height, width) of the kernel", OpAttrs.positivePair(2))
        .attr("strides", "(1, 1)", "(height, width) strides", OpAttrs.positivePair(2))
        .attr("padding", "(0, 0)", "(height, width) zero padding on both sides", OpAttrs.nonNegativePair(2))
        .attr("dilation", "(1, 1)", "(height, width) dilation", OpAttrs.positivePair(2));
  }

  /** Whether a conv2d is NHWC / HWIO; the layouts must pair (NCHW with OIHW, NHWC with HWIO). */
  private static boolean nhwc(Map<String, String> a) {
    boolean nhwc = a.get("layout").equals("NHWC");
    if (nhwc != a.get("kernel_layout").equals("HWIO")) {
      throw CompileException.invalid("conv2d: attribute kernel_layout %s does not pair with layout %s (NCHW takes OIHW, NHWC takes HWIO)",
          a.get("kernel_layout"), a.get("layout"));
    }
    return nhwc;
  }


  /**
   * The output height and width of 2-d conv {@code op} (any layout) with kernel {@code k} on data of height
   * {@code h} and width {@code w}; fails, naming {@code data}, when the kernel does not fit.
   */
  static long[] convOut(String op, int[] k, Conv2d.Params p, long h, long w, Shape data) {
    long oh = Conv2d.outExtent(h, k[0], p.strides()[0], p.padding()[0], p.dilation()[0]);
    long ow = Conv2d.outExtent(w, k[1], p.strides()[1], p.padding()[1], p.dilation()[1]);
    if (oh < 1 || ow < 1) throw CompileException.invalid("%s: kernel %dx%d does not fit data %s", op, k[0], k[1], data);
    return new long[] {oh, ow};
  }
  private static Conv2d.Params convParams(Map<String, String> a) {
    return new Conv2d.Params(ints(a.get("strides"), 2), ints(a.get("padding"), 2), ints(a.get("dilation"), 2), intAttr(a, "groups"));
  }

  private static Op pool(String name, boolean avg) {
    Op.Builder b = Op.builder(name).describe((avg ? "Average" : "Max") + " pooling over 2-d windows of NCHW (or NCHW{c}c) data.")
        .inputs("data")
        .attr("pool_size", null, "(height, width) of the window", OpAttrs.positivePair(2))
        .attr("strides", "(1, 1)", "(height, width) strides", OpAttrs.positivePair(2))
        .attr("padding", "(0, 0)", "(height, width) padding on both sides", OpAttrs.nonNegativePair(2))
        .attr("layout", "NCHW", "the data layout, NCHW or NCHW{c}c", LayoutOps.NCHW_OR_BLOCKED)
        .attr("ceil_mode", "False", "round the output size up", OpAttrs.BOOL);
    if (avg) b.attr("count_include_pad", "False", "whether padding counts in the average", OpAttrs.BOOL);
    return b.pattern(OpPattern.OUT_ELEMWISE_FUSABLE).layout(LayoutRule.LAYOUT_ATTR).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          Shape d = in[0];
          LayoutOps.checkData(name, a.get("layout"), d);
          Pool.Params p = poolParams(a, avg);
          long oh = Pool.outExtent(d.dim(2), p.window()[0], p.strides()[0], p.padding()[0], p.ceilMode());
          long ow = Pool.outExtent(d.dim(3), p.window()[1], p.strides()[1], p.padding()[1], p.ceilMode());
          if (oh < 1 || ow < 1) throw CompileException.invalid("%s: window %s does not fit data %s", name, a.get("pool_size"), d);
          return new Shape[] {d.rank() == 5 ? Shape.of(d.dim(0), d.dim(1), oh, ow, d.dim(4)) : Shape.of(d.dim(0), d.dim(1), oh, ow)};
        })
        .compute((a, in) -> List.of(Pool.pool2d(in.get(0), poolParams(a, avg), avg, name))).build();
  }

  private static Pool.Params poolParams(Map<String, String> a, boolean avg) {
    return new Pool.Params(ints(a.get("pool_size"), 2), ints(a.get("strides"), 2), ints(a.get("padding"), 2),
        boolAttr(a, "ceil_mode"), avg && boolAttr(a, "count_include_pad"));
  }

  private static Op global(String name, boolean avg) {
    return Op.builder(name).describe("Global " + (avg ? "average" : "max") + " pooling: [N, C, H, W] -> [N, C, 1, 1].").inputs("data")
        .attr("layout", "NCHW", "the data layout, NCHW or NCHW{c}c", LayoutOps.NCHW_OR_BLOCKED)
        .pattern(OpPattern.OUT_ELEMWISE_FUSABLE).layout(LayoutRule.LAYOUT_ATTR).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          LayoutOps.checkData(name, a.get("layout"), in[0]);
          Shape d = in[0];
          return new Shape[] {d.rank() == 5 ? Shape.of(d.dim(0), d.dim(1), 1, 1, d.dim(4)) : Shape.of(d.dim(0), d.dim(1), 1, 1)};
        })
        .compute((a, in) -> List.of(Pool.global(in.get(0), avg, name))).build();
  }

  private static Op softmax(String name, boolean log) {
    return Op.builder(name).describe((log ? "log(softmax(x))" : "exp(x) / sum(exp(x))") + " along axis.").inputs("data")
        .attr("axis", "-1", "the axis to normalize along", OpAttrs.INT)
        .pattern(OpPattern.OPAQUE).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> {
          if (in[0] != null) normalizeAxis(intAttr(a, "axis"), in[0].rank());
          return OpRules.firstShape(in);
        })
        .compute((a, in) -> List.of(Nn.softmax(in.get(0), normalizeAxis(intAttr(a, "axis"), in.get(0).ndim()), log, name))).build();
  }

  private static Op batchNorm() {
    return Op.builder("batch_norm").describe("Inference batch normalization: (x - mean) / sqrt(var + epsilon) * gamma + beta along axis.")
        .inputs("data", "gamma", "beta", "moving_mean", "moving_var")
        .attr("axis", "1", "the channel axis", OpAttrs.INT)
        .attr("epsilon", "1e-05", "added to the variance", OpAttrs.FLOAT)
        .attr("center", "True", "whether to add beta", OpAttrs.BOOL)
        .attr("scale", "True", "whether to multiply by gamma", OpAttrs.BOOL)
        .pattern(OpPattern.BROADCAST).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          int axis = normalizeAxis(intAttr(a, "axis"), in[0].rank());
          Shape c = Shape.of(in[0].dim(axis));
          String[] names = {"gamma", "beta", "moving_mean", "moving_var"};
          for (int i = 1; i < 5; i++) OpRules.expect(in, i, names[i - 1], c);
          return new Shape[] {in[0]};
        })
        .compute((a, in) -> List.of(Nn.batchNormInference(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4),
            normalizeAxis(intAttr(a, "axis"), in.get(0).ndim()), floatAttr(a, "epsilon"), boolAttr(a, "center"), boolAttr(a, "scale"),
            "batch_norm"))).build();
  }

  private static Op dropout() {
    return Op.builder("dropout").describe("Dropout; at inference the identity.").inputs("data")
        .attr("rate", "0.5", "the fraction of inputs dropped in training", v -> {
          double r = OpAttrs.parseFloat(v);
          if (r < 0 || r >= 1) throw new IllegalArgumentException("expected a rate in [0, 1)");
        })
        .pattern(OpPattern.ELEMWISE).inferType((a, in) -> OpRules.sameType(in)).inferShape((a, in) -> OpRules.sameShape(in))
        .compute((a, in) -> List.of(org.nnvm4j.tensor.topi.Elemwise.unary(in.get(0), x -> x, "dropout"))).build();
  }
}
