package org.nnvm4j.backend.llvm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nnvm4j.graph.pass.AlterOpLayout;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.topi.Blocked;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.GroupConv;
import org.nnvm4j.tensor.topi.Layout;
import org.nnvm4j.tensor.topi.Topi;

/**
 * Grouped conv2d on x86 (groups > 1 and not depthwise: ResNeXt, ShuffleNet; {@link X86Depthwise} takes
 * depthwise), TVM's {@code group_conv2d_NCHWc}: each group's output channels are cut into blocks of
 * {@link #block} lanes (16 or 8 when they divide, else all of a group's channels up to 16, else the
 * largest divisor of at least 4), and each block is a small conv over its group's input channels with the
 * register-tiled micro-kernel of {@link X86Tiles} (a tile of output columns x the block in registers, the
 * reduction over the group's channels, the kernel rows and columns outside it, the block vectorized).
 * <ul>
 *   <li>At opt level 2 and below ({@code conv2d}, NCHW/OIHW) the weight is packed inside the kernel to
 *       {@code [OC/b, 1, KH, KW, C/groups, b]} and the data zero-padded into NCHW{c}c (c = {@link X86Computes#channelBlock}
 *       of the channels; a copy in 16-channel blocks ran a strided layer's call 1.5x faster than one into NHWC); the output
 *       is read back as NCHW, with the fused epilogue.</li>
 *   <li>At opt level 3 AlterOpLayout turns the conv (8 or more output channels per group) into
 *       {@code group_conv2d_NCHWc} with an OIHW{k}i{b}o weight packed at build time; its data and output blocks are those a groups-1 conv
 *       of the same channels uses ({@link X86Computes#channelBlock}), so that consecutive convs, grouped
 *       or not, hand over blocked data without a layout_transform. A data block may hold several groups
 *       (the channel index is computed per input channel), an output block several weight blocks.</li>
 * </ul>
 * Groups of 4 to 7 output channels with column stride 1 take {@link X86GroupConvColumns} instead (vectorized
 * over output columns, NCHW at every opt level): a block of fewer than 8 channels fills at most half a vector.
 * Fewer than {@link #MIN_LANES} output channels per group (or a count with no divisor from 4 to 16, as 17)
 * fill too little of a vector: those convs keep the generic compute, as do non-float32 ones.
 */
final class X86GroupConv {
  /** The tag of the blocked product, {@code [N, OC/b, OH, OWp, b]}. */
  static final String PRODUCT = "group_conv2d_product";
  /** The fewest output channels per group that this strategy vectorizes. */
  static final int MIN_LANES = 4;

  private X86GroupConv() {}

  /** The output-channel block of a group of {@code opg} output channels, or -1 where the generic compute serves. */
  static int block(long opg) { return opg < MIN_LANES ? -1 : X86Computes.channelBlock(opg); }

  /**
   * Whether this class computes graph op {@code op} (float32 inputs checked by the caller); a {@code group_conv2d_NCHWc}
   * whose output block is not a multiple of its weight's (which the op allows) takes the generic compute.
   */
  static boolean applies(String op, Map<String, String> attrs, List<Tensor> in) {
    if (op.equals(GroupConv.TAG)) return Layout.parse(attrs.get("out_layout")).factorOf('C') % Topi.constShape(in.get(1), op)[5] == 0;
    if (!op.equals("conv2d") || !attrs.getOrDefault("layout", "NCHW").equals("NCHW")) return false;
    int groups = X86Computes.convParams(attrs).groups();
    long[] w = Topi.constShape(in.get(1), op);
    return groups > 1 && w[1] > 1 && block(w[0] / groups) > 0;
  }

  /** The x86 compute of a grouped {@code conv2d} or of {@code group_conv2d_NCHWc}, with its bias; see {@link #applies}. */
  static Optional<List<Tensor>> compute(String op, Map<String, String> attrs, List<Tensor> in) {
    Conv2d.Params p = X86Computes.convParams(attrs);
    boolean bias = in.size() > 2;
    if (op.equals(GroupConv.TAG)) {
      Tensor out = prepacked(in.get(0), in.get(1), p, Layout.parse(attrs.get("out_layout")).factorOf('C'), op);
      return Optional.of(List.of(bias ? Blocked.biasAddNchwc(out, in.get(2), op + "_bias") : out));
    }
    long opg = Topi.constShape(in.get(1), op)[0] / p.groups();
    Tensor out = X86GroupConvColumns.applies(opg, p) ? X86GroupConvColumns.conv2d(in.get(0), in.get(1), p, op)
        : conv2d(in.get(0), in.get(1), p, op);
    return Optional.of(List.of(bias ? Conv2d.biasAdd(out, in.get(2), op + "_bias") : out));
  }

  /**
   * AlterOpLayout for a float32 grouped NCHW/OIHW {@code conv2d} this class computes: {@code group_conv2d_NCHWc} with data
   * NCHW{channelBlock(C)}c, weight OIHW{k}i{b}o ({@code b} = {@link #block}, {@code k} the largest block of at most 16 that
   * divides the channels per group) and output NCHW{channelBlock(OC)}c when that is a multiple of {@code b}, else NCHW{b}c.
   * Nothing for fewer than 8 output channels per group, which stay NCHW ({@link X86GroupConvColumns}).
   */
  static Optional<AlterOpLayout.Proposal> alterOpLayout(Map<String, String> attrs, List<Shape> shapes) {
    int groups = X86Computes.convParams(attrs).groups();
    if (groups < 2 || !attrs.getOrDefault("layout", "NCHW").equals("NCHW") || !attrs.getOrDefault("kernel_layout", "OIHW").equals("OIHW")
        || shapes.get(0).rank() != 4) {
      return Optional.empty();
    }
    long c = shapes.get(0).dim(1), oc = shapes.get(1).dim(0), cpg = shapes.get(1).dim(1);
    int ob = block(oc / groups), ib = X86Computes.channelBlock(c);
    if (cpg < 2 || ob < 0 || ib < 0 || oc / groups < X86Schedules.LANES) return Optional.empty(); // see X86GroupConvColumns
    int kib = X86Computes.channelBlock(cpg) > 0 ? X86Computes.channelBlock(cpg) : (int) cpg;
    int outBlock = X86Computes.channelBlock(oc) > 0 && X86Computes.channelBlock(oc) % ob == 0 ? X86Computes.channelBlock(oc) : ob;
    AlterOpLayout.Proposal p = X86Computes.blockedConv(GroupConv.TAG, attrs, shapes.size() > 2, ib, "OIHW" + kib + "i" + ob + "o", outBlock);
    Map<String, String> a = new LinkedHashMap<>(p.attrs());
    a.put("groups", attrs.get("groups"));
    return Optional.of(new AlterOpLayout.Proposal(p.op(), a, p.inputs(), p.output()));
  }

  private static long ceil(long a, long b) { return (a + b - 1) / b; }

  /**
   * NCHW data and an OIHW weight: the data zero-padded into {@code [N, C/c, Hp, Wp, c]} (NCHW{c}c), the weight packed to
   * {@code [OC/b, 1, KH, KW, C/groups, b]}, the blocked product, read back as NCHW.
   */
  static Tensor conv2d(Tensor data, Tensor weight, Conv2d.Params p, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    long oc = w[0], cpg = w[1];
    int ob = block(oc / p.groups());
    long oh = Conv2d.outExtent(d[2], w[2], p.strides()[0], p.padding()[0], p.dilation()[0]);
    long ow = Conv2d.outExtent(d[3], w[3], p.strides()[1], p.padding()[1], p.dilation()[1]);
    int cols = X86Computes.tileCols(ow, ob);
    long ib = X86Computes.channelBlock(d[1]) > 0 ? X86Computes.channelBlock(d[1]) : d[1];
    Tensor padded = pad(data, new long[] {d[0], d[1] / ib, d[2], d[3], ib}, w, p, oh, ceil(ow, cols) * cols,
        (i, y, x) -> data.get(i.get(0), IrOps.add(IrOps.mul(i.get(1), IrOps.i32(ib)), i.get(4)), y, x), name);
    Tensor packed = Te.computeN(Te.shape(oc / ob, 1, w[2], w[3], cpg, ob),
        i -> weight.get(IrOps.add(IrOps.mul(i.get(0), IrOps.i32(ob)), i.get(5)), i.get(4), i.get(2), i.get(3)), name + "_kernel_pack",
        X86Computes.CONV_PACK, Map.of());
    Tensor product = product(padded, packed, p, d[1], oh, ow, cols, name);
    Expr bl = IrOps.i32(ob);
    return Te.computeN(Te.shape(d[0], oc, oh, ow),
        i -> product.get(i.get(0), IrOps.floorDiv(i.get(1), bl), i.get(2), i.get(3), IrOps.floorMod(i.get(1), bl)), name, Conv2d.TAG,
        Map.of());
  }

  /**
   * NCHW{ib}c data and an OIHW{k}i{b}o weight ({@code group_conv2d_NCHWc}): the data zero-padded in its layout where
   * the tile needs it, the blocked product, read back as NCHW{outBlock}c ({@code outBlock} a multiple of {@code b}).
   */
  static Tensor prepacked(Tensor data, Tensor kernel, Conv2d.Params p, int outBlock, String name) {
    if (outBlock % Topi.constShape(kernel, name)[5] != 0) {
      throw CompileException.invalid("%s: the output block %d is not a multiple of the weight's output block %d", name, outBlock,
          Topi.constShape(kernel, name)[5]);
    }
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(kernel, name);
    GroupConv.check(d, w, p.groups(), outBlock, name);
    long ob = w[5], per = outBlock / ob;
    long oh = Conv2d.outExtent(d[2], w[2], p.strides()[0], p.padding()[0], p.dilation()[0]);
    long ow = Conv2d.outExtent(d[3], w[3], p.strides()[1], p.padding()[1], p.dilation()[1]);
    int cols = X86Computes.tileCols(ow, ob);
    Tensor padded = pad(data, d, new long[] {w[0] * ob, w[1] * w[4], w[2], w[3]}, p, oh, ceil(ow, cols) * cols,
        (i, y, x) -> data.get(i.get(0), i.get(1), y, x, i.get(4)), name);
    Tensor product = product(padded, kernel, p, d[1] * d[4], oh, ow, cols, name);
    return Te.computeN(Te.shape(d[0], w[0] / per, oh, ow, outBlock), i -> product.get(i.get(0),
        IrOps.add(IrOps.mul(i.get(1), IrOps.i32(per)), IrOps.floorDiv(i.get(4), IrOps.i32(ob))), i.get(2), i.get(3),
        IrOps.floorMod(i.get(4), IrOps.i32(ob))), name, GroupConv.TAG, Map.of());
  }

  /** Reads {@code data} at blocked index {@code i} (its row and column replaced by {@code y}, {@code x}, already inside the data). */
  @FunctionalInterface
  private interface Reader {
    Expr read(List<? extends Expr> i, Expr y, Expr x);
  }

  /**
   * {@code data} (blocked shape {@code bd}: [N, C/ib, H, W, ib], weight {@code w} OIHW) zero-padded and widened so that the
   * {@code oh} output rows and {@code owp} output columns (rounded up to the tile) read inside it; {@code data} itself
   * where it is blocked already and needs no padding.
   */
  private static Tensor pad(Tensor data, long[] bd, long[] w, Conv2d.Params p, long oh, long owp, Reader read, String name) {
    int ph = p.padding()[0], pw = p.padding()[1];
    long hp = (oh - 1) * p.strides()[0] + (w[2] - 1) * p.dilation()[0] + 1, wp = (owp - 1) * p.strides()[1] + (w[3] - 1) * p.dilation()[1] + 1;
    if (ph == 0 && pw == 0 && hp <= bd[2] && wp <= bd[3] && Topi.constShape(data, name).length == 5) return data;
    return Te.computeN(Te.shape(bd[0], bd[1], hp, wp, bd[4]), i -> {
      Expr y = IrOps.sub(i.get(2), IrOps.i32(ph)), x = IrOps.sub(i.get(3), IrOps.i32(pw));
      Expr inside = IrOps.and(IrOps.and(IrOps.ge(y, IrOps.i32(0)), IrOps.lt(y, IrOps.i32(bd[2]))),
          IrOps.and(IrOps.ge(x, IrOps.i32(0)), IrOps.lt(x, IrOps.i32(bd[3]))));
      return IrOps.select(inside, read.read(i, Topi.clamp(y, bd[2]), Topi.clamp(x, bd[3])), IrOps.zero(data.dtype()));
    }, name + "_pad", X86Computes.CONV_PAD, Map.of());
  }

  /**
   * The blocked product {@code [N, OC/b, OH, OWp, b]} ({@code OWp}: {@code ow} rounded up to {@code cols}) of padded data
   * {@code [N, C/ib, Hp, Wp, ib]} ({@code c} channels) and a weight {@code [OC/b, cpg/k, KH, KW, k, b]}: block {@code q} of
   * group {@code q / (OC/groups/b)} sums over that group's input channels, split (rco, rci) as the weight blocks them, so
   * that {@link X86Tiles#conv2dNchwc} schedules it.
   */
  private static Tensor product(Tensor padded, Tensor kernel, Conv2d.Params p, long c, long oh, long ow, int cols, String name) {
    long[] d = Topi.constShape(padded, name);
    long[] w = Topi.constShape(kernel, name);
    long ob = w[5], kib = w[4], cpg = w[1] * kib, ib = d[4], blocksPerGroup = w[0] / p.groups();
    int sh = p.strides()[0], sw = p.strides()[1], dh = p.dilation()[0], dw = p.dilation()[1];
    long owp = ceil(ow, cols) * cols;
    IterVar rco = Te.reduceAxis(w[1], "rco");
    IterVar ry = Te.reduceAxis(w[2], "ry");
    IterVar rx = Te.reduceAxis(w[3], "rx");
    IterVar rci = Te.reduceAxis(kib, "rci");
    return Te.computeN(Te.shape(d[0], w[0], oh, owp, ob), i -> {
      Expr ch = IrOps.add(IrOps.add(IrOps.mul(IrOps.floorDiv(i.get(1), IrOps.i32(blocksPerGroup)), IrOps.i32(cpg)),
          IrOps.mul(rco.var(), IrOps.i32(kib))), rci.var());
      Expr y = IrOps.add(IrOps.mul(i.get(2), IrOps.i32(sh)), IrOps.mul(ry.var(), IrOps.i32(dh)));
      Expr x = IrOps.add(IrOps.mul(i.get(3), IrOps.i32(sw)), IrOps.mul(rx.var(), IrOps.i32(dw)));
      Expr cb = ib == c ? IrOps.i32(0) : IrOps.floorDiv(ch, IrOps.i32(ib)), ci = ib == c ? ch : IrOps.floorMod(ch, IrOps.i32(ib));
      return Te.sum(IrOps.mul(padded.get(i.get(0), cb, y, x, ci), kernel.get(i.get(1), rco.var(), ry.var(), rx.var(), rci.var(), i.get(4))),
          rco, ry, rx, rci);
    }, name + "_product", PRODUCT, Map.of(X86Computes.TILE_COLS, cols));
  }

  /**
   * Schedules the group whose output is {@code out} when it holds a product of this class (its injective intermediates
   * inlined): the prepacked form by {@link X86Tiles#conv2dNchwc}; the NCHW form in tiles of one block x the tile's
   * columns, (batch, row, block) in parallel so that a row's input stays in cache across the groups, the packing and
   * padding stages parallel and vectorized. False where the group is another's.
   */
  static boolean schedule(Schedule s, Tensor out) {
    Stage product = null, pad = null, pack = null, columns = null;
    for (Stage st : s.stages()) {
      if (!(st.op() instanceof ComputeOp c)) continue;
      if (c.tag().equals(X86GroupConvColumns.PRODUCT)) columns = st;
      else if (c.tag().equals(PRODUCT)) product = st;
      else if (c.tag().equals(X86Computes.CONV_PAD)) pad = st;
      else if (c.tag().equals(X86Computes.CONV_PACK)) pack = st;
    }
    Stage o = s.get(out);
    if (columns != null) {
      X86GroupConvColumns.schedule(o, columns, pad);
      return true;
    }
    if (product == null) return false;
    if (pack == null) {
      X86Tiles.conv2dNchwc(o, product, pad);
      return true;
    }
    List<IterVar> ax = o.axis();
    long[] pe = X86Schedules.extents(((ComputeOp) product.op()).axis());
    IterVar[] c = o.split(ax.get(1), (int) pe[4]);
    IterVar[] x = o.split(ax.get(3), (Integer) ((ComputeOp) product.op()).attrs().get(X86Computes.TILE_COLS));
    o.reorder(ax.get(0), ax.get(2), c[0], x[0], c[1], x[1]);
    o.parallel(o.fuse(o.fuse(ax.get(0), ax.get(2)), c[0]));
    product.computeAt(o, x[0]);
    List<IterVar> p = List.copyOf(product.leafIterVars());
    product.reorder(p.get(0), p.get(1), p.get(2), p.get(5), p.get(6), p.get(7), p.get(8), p.get(3), p.get(4));
    product.unroll(p.get(3));
    product.vectorize(p.get(4));
    List<IterVar> pk = pack.axis();
    pack.parallel(pk.get(0));
    pack.vectorize(pk.get(5));
    List<IterVar> pa = pad.axis();
    IterVar rows = pad.fuse(pad.fuse(pa.get(0), pa.get(1)), pa.get(2));
    pad.reorder(rows, pa.get(4), pa.get(3)); // read the block's NCHW rows contiguously; one blocked row stays in L1
    pad.parallel(rows);
    return true;
  }
}
