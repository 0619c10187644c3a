package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.ints;

import java.util.List;
import org.nnvm4j.graph.Op;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.topi.Blocked;
import org.nnvm4j.tensor.topi.BlockedDepthwise;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.Layout;

/**
 * {@code depthwise_conv2d_NCHWc} (TVM's op of that name): the depthwise conv2d (one input channel per group,
 * a channel multiplier of {@code channels / C}) on NCHW{i}c data with an OIHW1i{o}o prepacked weight
 * [channels/o, 1, KH, KW, 1, o] and an optional bias [channels], NCHW{o}c output. AlterOpLayout puts it
 * where a depthwise conv2d sits between blocked convolutions (MobileNet), so that its data need not go back
 * to NCHW; like {@code conv2d_NCHWc} it needs the layouts it was built for.
 */
public final class BlockedDepthwiseOps {
  static final String NAME = "depthwise_conv2d_NCHWc";

  private BlockedDepthwiseOps() {}

  static Op depthwiseConv2dNchwc() {
    return LayoutOps.blockedConvBuilder(NAME, "Depthwise 2-d convolution (channels a multiple of the input channels) of NCHW{i}c data "
            + "with an OIHW1i{o}o prepacked weight, plus bias [channels]; NCHW{o}c output.", "OIHW1i{o}o", "OIHW1i16o")
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          Layout data = Layout.parse(a.get("layout"));
          Layout kernel = Layout.parse(a.get("kernel_layout"));
          Layout out = Layout.parse(a.get("out_layout"));
          int ob = out.factorOf('C');
          if (kernel.factorOf('I') != 1 || kernel.factorOf('O') != ob) {
            throw CompileException.invalid("%s: kernel_layout %s must block i by 1 and o by %d (out_layout %s), e.g. OIHW1i%do", NAME,
                kernel, ob, out, ob);
          }
          LayoutOps.checkData(NAME, data.name(), in[0]);
          long[] primal = data.primalExtents(in[0].toArray());
          long channels = intAttr(a, "channels"), ic = primal['C' - 'A'];
          if (channels % ic != 0) {
            throw CompileException.invalid("%s: %d channels are not a multiple of the %d input channels (depthwise: one group per input "
                + "channel)", NAME, channels, ic);
          }
          if (channels % ob != 0) throw CompileException.invalid("%s: %d channels are not divisible by the block %d", NAME, channels, ob);
          int[] k = ints(a.get("kernel_size"), 2);
          Conv2d.Params p = LayoutOps.params(a);
          OpRules.expect(in, 1, "weight", Shape.of(channels / ob, 1, k[0], k[1], 1, ob));
          if (in.length > 2) OpRules.expect(in, 2, "bias", Shape.of(channels));
          long[] o = NnOps.convOut(NAME, k, p, primal['H' - 'A'], primal['W' - 'A'], in[0]);
          return new Shape[] {Shape.of(primal['N' - 'A'], channels / ob, o[0], o[1], ob)};
        })
        .compute((a, in) -> {
          Tensor out = BlockedDepthwise.conv2d(in.get(0), in.get(1), LayoutOps.params(a), NAME);
          return List.of(in.size() > 2 ? Blocked.biasAddNchwc(out, in.get(2), NAME + "_bias") : out);
        }).build();
  }
}
