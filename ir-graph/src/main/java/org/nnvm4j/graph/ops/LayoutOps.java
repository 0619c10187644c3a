package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.ints;

import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.topi.Blocked;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.Layout;

/**
 * The ops of blocked layouts, which AlterOpLayout introduces and CorrectLayout moves (NNVM's
 * {@code __layout_transform__}, {@code _contrib_conv2d_NCHWc}, TVM's {@code contrib_dense_pack}):
 * {@code layout_transform}, {@code conv2d_NCHWc} (data NCHW{i}c, prepacked weight OIHW{i}i{o}o) and
 * {@code dense_pack} (prepacked weight NK{n}n).
 */
public final class LayoutOps {
  private LayoutOps() {}

  public static List<Op> ops() { return List.of(layoutTransform(), conv2dNchwc(), BlockedDepthwiseOps.depthwiseConv2dNchwc(), densePack()); }

  /** The layout attribute of ops that run on NCHW data or on its channel-blocked form (pooling): NCHW or NCHW{c}c. */
  public static final Op.AttrCheck NCHW_OR_BLOCKED = v -> {
    if (!v.equals("NCHW")) blocked("NCHW", "c", "NCHW16c").check(v);
  };

  /** Checks that {@code data} is a tensor in {@code layout} (rank, and the block's extent) for op {@code op}. */
  static void checkData(String op, String layout, Shape data) {
    try {
      Layout.parse(layout).primalExtents(data.toArray());
    } catch (CompileException e) {
      throw CompileException.invalid("%s: data has shape %s; expected %s", op, data, layout);
    }
  }

  /** A layout check that also requires the primal axes {@code primal} in order and exactly the sub-axes {@code subs}. */
  private static Op.AttrCheck blocked(String primal, String subs, String example) {
    return v -> {
      Layout l = Layout.parse(v);
      StringBuilder sub = new StringBuilder();
      for (char c : l.axes()) if (Character.isLowerCase(c)) sub.append(c);
      if (!l.primal().equals(primal) || !sub.toString().equals(subs) || l.indexOf(subs.isEmpty() ? '?' : subs.charAt(0)) < primal.length()) {
        throw new IllegalArgumentException("expected " + primal + " followed by blocked " + subs + ", such as " + example);
      }
    };
  }

  private static Op layoutTransform() {
    return Op.builder("layout_transform").describe("Converts data from src_layout to dst_layout (same primal axes), e.g. NCHW to NCHW16c.")
        .inputs("data")
        .attr("src_layout", null, "the layout of the input, e.g. NCHW", Layout::check)
        .attr("dst_layout", null, "the layout of the output, e.g. NCHW16c", Layout::check)
        .pattern(OpPattern.INJECTIVE).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          return new Shape[] {Shape.of(Layout.transformShape(Layout.parse(a.get("src_layout")), Layout.parse(a.get("dst_layout")),
              in[0].toArray()))};
        })
        .compute((a, in) -> List.of(Layout.transform(in.get(0), Layout.parse(a.get("src_layout")), Layout.parse(a.get("dst_layout")),
            "layout_transform")))
        .build();
  }

  private static Op conv2dNchwc() {
    return blockedConvBuilder("conv2d_NCHWc", "2-d convolution of NCHW{i}c data with an OIHW{i}i{o}o prepacked weight, plus bias "
            + "[channels]; NCHW{o}c output.", "OIHW{i}i{o}o", "OIHW8i16o")
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          Layout data = Layout.parse(a.get("layout"));
          Layout kernel = Layout.parse(a.get("kernel_layout"));
          Layout out = Layout.parse(a.get("out_layout"));
          int ib = data.factorOf('C');
          int ob = out.factorOf('C');
          if (kernel.factorOf('I') != ib || kernel.factorOf('O') != ob) {
            throw CompileException.invalid("conv2d_NCHWc: kernel_layout %s does not block i by %d (layout %s) and o by %d (out_layout %s)",
                kernel, ib, data, ob, out);
          }
          long[] primal = data.primalExtents(in[0].toArray());
          long channels = intAttr(a, "channels");
          if (channels % ob != 0) throw CompileException.invalid("conv2d_NCHWc: %d channels are not divisible by the block %d", channels, ob);
          int[] k = ints(a.get("kernel_size"), 2);
          Conv2d.Params p = params(a);
          long ic = primal['C' - 'A'];
          OpRules.expect(in, 1, "weight", Shape.of(channels / ob, ic / ib, k[0], k[1], ib, ob));
          if (in.length > 2) OpRules.expect(in, 2, "bias", Shape.of(channels));
          long[] o = NnOps.convOut("conv2d_NCHWc", k, p, primal['H' - 'A'], primal['W' - 'A'], in[0]);
          return new Shape[] {Shape.of(primal['N' - 'A'], channels / ob, o[0], o[1], ob)};
        })
        .compute((a, in) -> {
          Tensor out = Blocked.conv2dNchwc(in.get(0), in.get(1), params(a), "conv2d_NCHWc");
          return List.of(in.size() > 2 ? Blocked.biasAddNchwc(out, in.get(2), "conv2d_NCHWc_bias") : out);
        }).build();
  }

  /**
   * A conv op on NCHW{i}c data with a prepacked weight in a blocked OIHW layout ({@code kernelLayout}, e.g.
   * {@code example}), NCHW{o}c output and an optional bias: its attributes, pattern and type rule.
   */
  static Op.Builder blockedConvBuilder(String name, String doc, String kernelLayout, String example) {
    return NnOps.convBuilder(name, doc)
        .attr("layout", null, "the data layout, NCHW{i}c", blocked("NCHW", "c", "NCHW16c"))
        .attr("kernel_layout", null, "the weight layout, " + kernelLayout, blocked("OIHW", "io", example))
        .attr("out_layout", null, "the output layout, NCHW{o}c", blocked("NCHW", "c", "NCHW16c"))
        .attr("use_bias", "True", "whether to add the bias input", OpAttrs.BOOL)
        .pattern(OpPattern.OUT_ELEMWISE_FUSABLE).inferType((a, in) -> OpRules.sameType(in));
  }

  /** The strides, padding and dilation of a conv2d or conv2d_NCHWc node (groups 1). */
  public static Conv2d.Params params(Map<String, String> a) {
    return new Conv2d.Params(ints(a.get("strides"), 2), ints(a.get("padding"), 2), ints(a.get("dilation"), 2),
        a.containsKey("groups") ? intAttr(a, "groups") : 1);
  }

  private static Op densePack() {
    return Op.builder("dense_pack").describe("data [B, K] times a weight prepacked to [units/n, K, n] (layout NK{n}n), plus bias [units].")
        .inputs("data", "weight", "bias").arity(a -> boolAttr(a, "use_bias") ? 3 : 2)
        .attr("units", null, "the number of output features", OpAttrs.POSITIVE_INT)
        .attr("weight_layout", null, "the weight layout, NK{n}n", blocked("NK", "n", "NK16n"))
        .attr("use_bias", "True", "whether to add the bias input", OpAttrs.BOOL)
        .pattern(OpPattern.OUT_ELEMWISE_FUSABLE).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> {
          long units = intAttr(a, "units");
          int nb = Layout.parse(a.get("weight_layout")).factorOf('N');
          if (units % nb != 0) throw CompileException.invalid("dense_pack: %d units are not divisible by the block %d", units, nb);
          return OpRules.dense("dense_pack", in, units, k -> Shape.of(units / nb, k, nb));
        })
        .compute((a, in) -> {
          Tensor out = Blocked.densePack(in.get(0), in.get(1), "dense_pack");
          return List.of(in.size() > 2 ? Conv2d.biasAdd(out, in.get(2), "dense_pack_bias") : out);
        }).build();
  }
}
