package org.nnvm4j.backend.llvm;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.Topi;

/**
 * The x86 computes of {@code dense} and {@code conv2d} (TVM's {@code dense_pack} and {@code conv2d_NCHWc}
 * strategy computes): the weight is repacked inside the kernel so that {@link #BLOCK} consecutive output
 * channels are contiguous, and the reduction runs over padded extents, so that {@link X86Tiles} can keep a full register tile without tail guards. The op's output is a slice of the
 * padded result, in the graph's layout (row-major [M, N], NCHW).
 */
final class X86Computes {
  /** Output channels (dense columns) per packed weight block: two 8-lane AVX2 vectors. */
  static final int BLOCK = 16;
  /** Dense rows per register tile: 6 x 2 vectors = 12 accumulators of 16 ymm registers. */
  static final int DENSE_ROWS = 6;
  /** The attribute of the blocked conv product that names its tile's output columns. */
  static final String TILE_COLS = "tile_cols";

  static final String DENSE_PACK = "dense_pack";
  static final String DENSE_PADDED = "dense_padded";
  static final String CONV_PAD = "conv2d_pad";
  static final String CONV_PACK = "conv2d_kernel_pack";
  static final String CONV_BLOCKED = "conv2d_nchwc";

  private X86Computes() {}

  /** The x86 compute of graph op {@code op}, or empty where the generic compute serves (other ops, types, groups). */
  static Optional<List<Tensor>> compute(String op, Map<String, String> attrs, List<Tensor> in) {
    if (in.stream().limit(2).anyMatch(t -> !t.dtype().equals(DType.F32))) return Optional.empty();
    Tensor out;
    switch (op) {
      case "batch_matmul" -> { return X86BatchMatmul.compute(attrs, in); }
      case "dense" -> {
        if (Topi.constShape(in.get(0), op)[0] < DENSE_ROWS) return Optional.empty();
        out = dense(in.get(0), in.get(1), "dense");
      }
      case "conv2d" -> {
        Conv2d.Params p = new Conv2d.Params(pair(attrs.getOrDefault("strides", "(1, 1)")),
            pair(attrs.getOrDefault("padding", "(0, 0)")), pair(attrs.getOrDefault("dilation", "(1, 1)")),
            Integer.parseInt(attrs.getOrDefault("groups", "1").trim()));
        if (p.groups() != 1) return Optional.empty();
        out = conv2d(in.get(0), in.get(1), p, "conv2d");
      }
      default -> { return Optional.empty(); }
    }
    boolean bias = in.size() > 2;
    return Optional.of(List.of(bias ? Conv2d.biasAdd(out, in.get(2), op + "_bias") : out));
  }

  private static int[] pair(String s) {
    String[] parts = s.replaceAll("[()\\[\\] ]", "").split(",");
    int a = Integer.parseInt(parts[0]);
    return new int[] {a, parts.length > 1 && !parts[1].isEmpty() ? Integer.parseInt(parts[1]) : a};
  }

  private static long ceil(long a, long b) { return (a + b - 1) / b; }

  /**
   * Output columns per conv register tile, 4 to 6 (x 2 vectors of channels: 8 to 12 accumulators, which
   * with 2 weight vectors and a broadcast fit the 16 ymm registers; 7 columns spilled an accumulator
   * and ran at half the speed), choosing the fewest padded columns, then the most columns.
   */
  static int tileCols(long ow) {
    int best = 6;
    for (int c = 6; c >= 4; c--) if (ceil(ow, c) * c < ceil(ow, best) * best) best = c;
    return best;
  }

  private static Expr clamp(Expr e, long n) { return IrOps.min(IrOps.max(e, IrOps.i32(0)), IrOps.i32(n - 1)); }

  /**
   * {@code out[m, n] = sum_k data[m, k] * weight[n, k]}: weight packed to {@code [ceil(N/16), K, 16]},
   * the product {@code [Mp, ceil(N/16), 16]} computed over rows rounded up to the tile, then read back as [M, N].
   */
  static Tensor dense(Tensor data, Tensor weight, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    long m = d[0], k = d[1], n = w[0];
    long mp = ceil(m, DENSE_ROWS) * DENSE_ROWS, nb = ceil(n, BLOCK);
    Tensor packed = Te.computeN(Te.shape(nb, k, BLOCK),
        i -> weight.get(clamp(IrOps.add(IrOps.mul(i.get(0), IrOps.i32(BLOCK)), i.get(2)), n), i.get(1)), name + "_pack", DENSE_PACK,
        Map.of());
    IterVar rk = Te.reduceAxis(k, "k");
    Tensor padded = Te.computeN(Te.shape(mp, nb, BLOCK), i -> Te.sum(IrOps.mul(data.get(clamp(i.get(0), m), rk.var()),
        packed.get(i.get(1), rk.var(), i.get(2))), rk), name + "_padded", DENSE_PADDED, Map.of());
    Expr bl = IrOps.i32(BLOCK);
    return Te.computeN(Te.shape(m, n), i -> padded.get(i.get(0), IrOps.floorDiv(i.get(1), bl), IrOps.floorMod(i.get(1), bl)), name,
        "dense", Map.of());
  }

  /**
   * NCHW conv2d (groups = 1) computed in blocked form: data zero-padded into NHWC (widened so that the
   * output width rounds up to the tile; channels innermost, as the reduction runs over them innermost),
   * OIHW weight packed to {@code [ceil(O/16), KH, KW, I, 16]}, the product {@code [N, ceil(O/16), OH, OWp, 16]},
   * then read back as NCHW.
   */
  static Tensor conv2d(Tensor data, Tensor weight, Conv2d.Params p, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    int sh = p.strides()[0], sw = p.strides()[1], ph = p.padding()[0], pw = p.padding()[1];
    int dh = p.dilation()[0], dw = p.dilation()[1];
    long oc = w[0], ic = w[1], kh = w[2], kw = w[3];
    long oh = Conv2d.outExtent(d[2], kh, sh, ph, dh), ow = Conv2d.outExtent(d[3], kw, sw, pw, dw);
    int cols = tileCols(ow);
    long owp = ceil(ow, cols) * cols, ob = ceil(oc, BLOCK);
    long hp = (oh - 1) * sh + (kh - 1) * dh + 1, wp = (owp - 1) * sw + (kw - 1) * dw + 1;
    Tensor pad = Te.computeN(Te.shape(d[0], hp, wp, ic), i -> {
      Expr y = IrOps.sub(i.get(1), IrOps.i32(ph)), x = IrOps.sub(i.get(2), IrOps.i32(pw));
      Expr inside = IrOps.and(IrOps.and(IrOps.ge(y, IrOps.i32(0)), IrOps.lt(y, IrOps.i32(d[2]))),
          IrOps.and(IrOps.ge(x, IrOps.i32(0)), IrOps.lt(x, IrOps.i32(d[3]))));
      return IrOps.select(inside, data.get(i.get(0), i.get(3), clamp(y, d[2]), clamp(x, d[3])), IrOps.zero(data.dtype()));
    }, name + "_pad", CONV_PAD, Map.of());
    Tensor packed = Te.computeN(Te.shape(ob, kh, kw, ic, BLOCK), i -> {
      Expr o = IrOps.add(IrOps.mul(i.get(0), IrOps.i32(BLOCK)), i.get(4));
      Expr v = weight.get(clamp(o, oc), i.get(3), i.get(1), i.get(2));
      return oc % BLOCK == 0 ? v : IrOps.select(IrOps.lt(o, IrOps.i32(oc)), v, IrOps.zero(weight.dtype()));
    }, name + "_kernel_pack", CONV_PACK, Map.of());
    IterVar rc = Te.reduceAxis(ic, "rc");
    IterVar ry = Te.reduceAxis(kh, "ry");
    IterVar rx = Te.reduceAxis(kw, "rx");
    Tensor blocked = Te.computeN(Te.shape(d[0], ob, oh, owp, BLOCK), i -> {
      Expr y = IrOps.add(IrOps.mul(i.get(2), IrOps.i32(sh)), IrOps.mul(ry.var(), IrOps.i32(dh)));
      Expr x = IrOps.add(IrOps.mul(i.get(3), IrOps.i32(sw)), IrOps.mul(rx.var(), IrOps.i32(dw)));
      return Te.sum(IrOps.mul(pad.get(i.get(0), y, x, rc.var()), packed.get(i.get(1), ry.var(), rx.var(), rc.var(), i.get(4))),
          rc, ry, rx);
    }, name + "_nchwc", CONV_BLOCKED, Map.of(TILE_COLS, cols));
    Expr bl = IrOps.i32(BLOCK);
    return Te.computeN(Te.shape(d[0], oc, oh, ow),
        i -> blocked.get(i.get(0), IrOps.floorDiv(i.get(1), bl), i.get(2), i.get(3), IrOps.floorMod(i.get(1), bl)), name, Conv2d.TAG,
        Map.of());
  }
}
