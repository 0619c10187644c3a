package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.ints;

import java.util.List;
import org.nnvm4j.graph.Op;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.topi.Blocked;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.GroupConv;
import org.nnvm4j.tensor.topi.Layout;

/**
 * {@code group_conv2d_NCHWc} (TOPI's grouped NCHWc convolution): a grouped conv2d on NCHW{i}c data with a
 * prepacked OIHW{k}i{o}o weight whose output-channel block lies inside one group, written NCHW{b}c. The
 * x86 AlterOpLayout proposes it for grouped convs that are not depthwise; the data and output blocks
 * follow the neighbouring convs' (they need not divide the channels per group), so that consecutive
 * convs exchange blocked data without a layout_transform.
 */
public final class GroupConvOps {
  private GroupConvOps() {}

  public static List<Op> ops() { return List.of(groupConv2dNchwc()); }

  private static Op groupConv2dNchwc() {
    return LayoutOps.blockedConvBuilder(GroupConv.TAG, "Grouped 2-d convolution of NCHW{i}c data with an OIHW{k}i{o}o prepacked"
            + " weight (o divides the channels per group), plus bias [channels]; NCHW{b}c output.", "OIHW{k}i{o}o", "OIHW4i4o")
        .attr("groups", null, "the number of groups", OpAttrs.POSITIVE_INT)
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          String op = GroupConv.TAG;
          LayoutOps.checkData(op, a.get("layout"), in[0]);
          long[] primal = Layout.parse(a.get("layout")).primalExtents(in[0].toArray());
          Layout kernel = Layout.parse(a.get("kernel_layout"));
          int kib = kernel.factorOf('I'), ob = kernel.factorOf('O'), outBlock = Layout.parse(a.get("out_layout")).factorOf('C');
          long channels = intAttr(a, "channels"), c = primal['C' - 'A'];
          int groups = intAttr(a, "groups");
          if (c % groups != 0 || channels % groups != 0) {
            throw CompileException.invalid("%s: %d input channels and %d output channels are not divisible by groups=%d", op, c, channels, groups);
          }
          if ((c / groups) % kib != 0 || (channels / groups) % ob != 0) {
            throw CompileException.invalid("%s: kernel_layout %s does not block the %d input and %d output channels per group", op, kernel,
                c / groups, channels / groups);
          }
          if (channels % outBlock != 0) {
            throw CompileException.invalid("%s: out_layout %s does not block the %d output channels", op, a.get("out_layout"), channels);
          }
          int[] k = ints(a.get("kernel_size"), 2);
          Conv2d.Params p = LayoutOps.params(a);
          OpRules.expect(in, 1, "weight", Shape.of(channels / ob, c / groups / kib, k[0], k[1], kib, ob));
          if (in.length > 2) OpRules.expect(in, 2, "bias", Shape.of(channels));
          long[] o = NnOps.convOut(op, k, p, primal['H' - 'A'], primal['W' - 'A'], in[0]);
          return new Shape[] {Shape.of(primal['N' - 'A'], channels / outBlock, o[0], o[1], outBlock)};
        })
        .compute((a, in) -> {
          int outBlock = Layout.parse(a.get("out_layout")).factorOf('C');
          Tensor out = GroupConv.nchwc(in.get(0), in.get(1), LayoutOps.params(a), outBlock, GroupConv.TAG);
          return List.of(in.size() > 2 ? Blocked.biasAddNchwc(out, in.get(2), GroupConv.TAG + "_bias") : out);
        }).build();
  }
}
