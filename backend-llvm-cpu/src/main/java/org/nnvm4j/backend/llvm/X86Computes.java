package org.nnvm4j.backend.llvm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nnvm4j.graph.pass.AlterOpLayout;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.topi.Blocked;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.ConvNd;
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

  static final String DENSE_PACK = "dense_weight_pack";
  static final String DENSE_PADDED = "dense_padded";
  static final String CONV_PAD = "conv2d_pad";
  static final String CONV_PACK = "conv2d_kernel_pack";
  static final String CONV_BLOCKED = "conv2d_nchwc";

  private X86Computes() {}

  /** The x86 compute of graph op {@code op}, or empty where the generic compute serves (other ops, types, groups). */
  static Optional<List<Tensor>> compute(String op, Map<String, String> attrs, List<Tensor> in) {
    if (in.stream().limit(2).anyMatch(t -> !t.dtype().equals(DType.F32))) return Optional.empty();
    if (op.equals("conv2d") && !attrs.getOrDefault("layout", "NCHW").equals("NCHW")) return Optional.empty(); // NHWC: the generic compute
    if (X86GroupConv.applies(op, attrs, in)) return X86GroupConv.compute(op, attrs, in);
    Optional<List<Tensor>> small = X86SmallOps.compute(op, attrs, in);
    if (small.isPresent()) return small;
    Tensor out;
    switch (op) {
      case "batch_matmul" -> { return X86BatchMatmul.compute(attrs, in); }
      case "dense" -> {
        if (Topi.constShape(in.get(0), op)[0] < DENSE_ROWS) return Optional.empty();
        out = dense(in.get(0), in.get(1), "dense");
      }
      case "dense_pack" -> out = densePacked(in.get(0), in.get(1), op);
      case "conv2d" -> {
        Conv2d.Params p = convParams(attrs);
        if (p.groups() != 1) return Optional.empty();
        out = conv2d(in.get(0), in.get(1), p, "conv2d");
      }
      case "conv1d", "conv3d", "conv1d_transpose", "conv2d_transpose", "conv3d_transpose" -> { return X86ConvNd.compute(op, attrs, in); }
      case "conv2d_NCHWc" -> {
        out = conv2dNchwc(in.get(0), in.get(1), convParams(attrs), op);
        return Optional.of(List.of(in.size() > 2 ? Blocked.biasAddNchwc(out, in.get(2), op + "_bias") : out));
      }
      default -> { return Optional.empty(); }
    }
    boolean bias = in.size() > 2;
    return Optional.of(List.of(bias ? Conv2d.biasAdd(out, in.get(2), op + "_bias") : out));
  }

  /** The strides, padding, dilation and groups of a graph {@code conv2d}. */
  static Conv2d.Params convParams(Map<String, String> attrs) {
    return new Conv2d.Params(pair(attrs.getOrDefault("strides", "(1, 1)")), pair(attrs.getOrDefault("padding", "(0, 0)")),
        pair(attrs.getOrDefault("dilation", "(1, 1)")), Integer.parseInt(attrs.getOrDefault("groups", "1").trim()));
  }

  /**
   * The x86 choice of AlterOpLayout: float32 {@code conv2d} (groups 1, NCHW/OIHW) becomes {@code conv2d_NCHWc}
   * with channel blocks of {@link #channelBlock} (a prepacked OIHW{i}i{o}o weight), and float32 {@code dense}
   * of at least {@link #DENSE_ROWS} rows and units divisible by 8 becomes {@code dense_pack} (NK{n}n weight).
   */
  static Optional<AlterOpLayout.Proposal> alterOpLayout(String op, Map<String, String> attrs, List<Shape> shapes, List<DType> types) {
    if (types.stream().limit(2).anyMatch(t -> !DType.F32.equals(t))) return Optional.empty();
    switch (op) {
      case "conv2d" -> {
        if (!attrs.getOrDefault("groups", "1").trim().equals("1")) {
          return X86GroupConv.alterOpLayout(attrs, shapes).or(() -> X86DepthwiseNchwc.alterOpLayout(attrs, shapes));
        }
        if (!attrs.getOrDefault("layout", "NCHW").equals("NCHW")
            || !attrs.getOrDefault("kernel_layout", "OIHW").equals("OIHW") || shapes.get(0).rank() != 4) {
          return Optional.empty();
        }
        long oc = shapes.get(1).dim(0), ic = shapes.get(0).dim(1);
        int ob = channelBlock(oc), ib = channelBlock(ic);
        if (ob < 0 || ib < 0) return Optional.empty();
        return Optional.of(blockedConv("conv2d_NCHWc", attrs, shapes.size() > 2, ib, "OIHW" + ib + "i" + ob + "o", ob));
      }
      case "dense" -> {
        long n = shapes.get(1).dim(0);
        if (shapes.get(0).dim(0) < DENSE_ROWS || n % X86Schedules.LANES != 0) return Optional.empty();
        String w = "NK" + (n % BLOCK == 0 ? BLOCK : X86Schedules.LANES) + "n";
        Map<String, String> a = new LinkedHashMap<>(Map.of("units", attrs.get("units"), "weight_layout", w));
        if (attrs.containsKey("use_bias")) a.put("use_bias", attrs.get("use_bias"));
        List<AlterOpLayout.Change> in = new ArrayList<>(List.of());
        in.add(null);
        in.add(new AlterOpLayout.Change("NK", w));
        if (shapes.size() > 2) in.add(null);
        return Optional.of(new AlterOpLayout.Proposal("dense_pack", a, in, null));
      }
      default -> { return Optional.empty(); }
    }
  }

  /**
   * The proposal of blocked conv {@code op} for a conv2d with {@code attrs} (and a bias input when {@code bias}):
   * its conv attributes, data in NCHW{ib}c and the weight in {@code kernel} (both transformed), output in NCHW{ob}c.
   */
  static AlterOpLayout.Proposal blockedConv(String op, Map<String, String> attrs, boolean bias, int ib, String kernel, int ob) {
    String data = "NCHW" + ib + "c", out = "NCHW" + ob + "c";
    Map<String, String> a = new LinkedHashMap<>();
    for (String k : List.of("channels", "kernel_size", "strides", "padding", "dilation", "use_bias")) {
      if (attrs.containsKey(k)) a.put(k, attrs.get(k));
    }
    a.put("layout", data);
    a.put("kernel_layout", kernel);
    a.put("out_layout", out);
    List<AlterOpLayout.Change> in = new ArrayList<>(List.of(new AlterOpLayout.Change("NCHW", data), new AlterOpLayout.Change("OIHW", kernel)));
    if (bias) in.add(null);
    return new AlterOpLayout.Proposal(op, a, in, new AlterOpLayout.Change("NCHW", out));
  }

  /**
   * The channel block of a conv operand with {@code c} channels: {@link #BLOCK} (two vectors) or one vector
   * when it divides, all channels when there are at most {@link #BLOCK}, else the largest divisor up to
   * {@link #BLOCK} if it fills at least half a vector; -1 when none does (the conv keeps NCHW).
   */
  static int channelBlock(long c) {
    if (c % BLOCK == 0) return BLOCK;
    if (c % X86Schedules.LANES == 0) return X86Schedules.LANES;
    if (c <= BLOCK) return (int) c;
    for (int b = BLOCK; b >= X86Schedules.LANES / 2; b--) if (c % b == 0) return b;
    return -1;
  }

  static int[] pair(String s) {
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
  static int tileCols(long ow) { return tileCols(ow, BLOCK); }

  /**
   * Output columns per conv register tile for {@code lanes} channels: as many as 12 accumulator vectors allow
   * (6 columns of two vectors, 12 of one), down to two thirds of that, choosing the fewest padded columns.
   */
  static int tileCols(long ow, long lanes) {
    int hi = (int) (12 / ceil(lanes, X86Schedules.LANES)), lo = hi * 2 / 3;
    int best = hi;
    for (int c = hi; c >= lo; c--) if (ceil(ow, c) * c < ceil(ow, best) * best) best = c;
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
   * NCHW conv2d (groups = 1) computed in blocked form ({@link X86ConvNd#conv} over two axes): data zero-padded
   * into NHWC (widened so that the output width rounds up to the tile; channels innermost, as the reduction
   * runs over them innermost), OIHW weight packed to {@code [ceil(O/16), KH, KW, I, 16]}, the product
   * {@code [N, ceil(O/16), OH, OWp, 16]}, then read back as NCHW.
   */
  static Tensor conv2d(Tensor data, Tensor weight, Conv2d.Params p, String name) {
    return X86ConvNd.conv(data, weight, ConvNd.Params.of(p.strides(), p.dilation(), p.padding(), p.padding(), 1), name, Conv2d.TAG);
  }

  /**
   * NCHW{ib}c conv2d with a prepacked OIHW{ib}i{ob}o kernel: data zero-padded once in NCHWc (widened so that
   * the output width rounds up to the tile; skipped when no padding is needed), the product
   * {@code [N, OC/ob, OH, OWp, ob]} computed over padded columns, then read back as NCHW{ob}c. The same
   * micro-kernel as {@link #conv2d}, without the per-call weight packing.
   */
  static Tensor conv2dNchwc(Tensor data, Tensor kernel, Conv2d.Params p, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(kernel, name);
    int sh = p.strides()[0], sw = p.strides()[1], ph = p.padding()[0], pw = p.padding()[1];
    int dh = p.dilation()[0], dw = p.dilation()[1];
    long kh = w[2], kw = w[3], ob = w[5];
    long oh = Conv2d.outExtent(d[2], kh, sh, ph, dh), ow = Conv2d.outExtent(d[3], kw, sw, pw, dw);
    int cols = tileCols(ow, ob);
    long owp = ceil(ow, cols) * cols;
    long hp = (oh - 1) * sh + (kh - 1) * dh + 1, wp = (owp - 1) * sw + (kw - 1) * dw + 1;
    Tensor src = data;
    int offH = 0, offW = 0;
    if (ph > 0 || pw > 0 || hp > d[2] || wp > d[3]) {
      src = Te.computeN(Te.shape(d[0], d[1], hp, wp, d[4]), i -> {
        Expr y = IrOps.sub(i.get(2), IrOps.i32(ph)), x = IrOps.sub(i.get(3), IrOps.i32(pw));
        Expr inside = IrOps.and(IrOps.and(IrOps.ge(y, IrOps.i32(0)), IrOps.lt(y, IrOps.i32(d[2]))),
            IrOps.and(IrOps.ge(x, IrOps.i32(0)), IrOps.lt(x, IrOps.i32(d[3]))));
        return IrOps.select(inside, data.get(i.get(0), i.get(1), clamp(y, d[2]), clamp(x, d[3]), i.get(4)), IrOps.zero(data.dtype()));
      }, name + "_pad", CONV_PAD, Map.of());
    }
    Tensor padded = src;
    IterVar rco = Te.reduceAxis(d[1], "rco");
    IterVar ry = Te.reduceAxis(kh, "ry");
    IterVar rx = Te.reduceAxis(kw, "rx");
    IterVar rci = Te.reduceAxis(d[4], "rci");
    Tensor blocked = Te.computeN(Te.shape(d[0], w[0], oh, owp, ob), i -> {
      Expr y = IrOps.add(IrOps.mul(i.get(2), IrOps.i32(sh)), IrOps.mul(ry.var(), IrOps.i32(dh)));
      Expr x = IrOps.add(IrOps.mul(i.get(3), IrOps.i32(sw)), IrOps.mul(rx.var(), IrOps.i32(dw)));
      return Te.sum(IrOps.mul(padded.get(i.get(0), rco.var(), y, x, rci.var()),
          kernel.get(i.get(1), rco.var(), ry.var(), rx.var(), rci.var(), i.get(4))), rco, ry, rx, rci);
    }, name + "_blocked", CONV_BLOCKED, Map.of(TILE_COLS, cols));
    return Te.computeN(Te.shape(d[0], w[0], oh, ow, ob), i -> blocked.get(i), name, Blocked.CONV_TAG, Map.of());
  }

  /**
   * dense with a weight prepacked to {@code [N/nb, K, nb]}: the product {@code [Mp, N/nb, nb]} over rows
   * rounded up to the tile, read back as [M, N]; the micro-kernel of {@link #dense} without the packing.
   */
  static Tensor densePacked(Tensor data, Tensor weight, String name) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    long m = d[0], k = d[1], nb = w[2];
    long mp = ceil(m, DENSE_ROWS) * DENSE_ROWS;
    IterVar rk = Te.reduceAxis(k, "k");
    Tensor padded = Te.computeN(Te.shape(mp, w[0], nb), i -> Te.sum(IrOps.mul(data.get(clamp(i.get(0), m), rk.var()),
        weight.get(i.get(1), rk.var(), i.get(2))), rk), name + "_padded", DENSE_PADDED, Map.of());
    Expr bl = IrOps.i32(nb);
    return Te.computeN(Te.shape(m, w[0] * nb), i -> padded.get(i.get(0), IrOps.floorDiv(i.get(1), bl), IrOps.floorMod(i.get(1), bl)),
        name, Blocked.DENSE_TAG, Map.of());
  }
}
