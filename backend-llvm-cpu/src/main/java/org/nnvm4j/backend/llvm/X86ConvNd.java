package org.nnvm4j.backend.llvm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nnvm4j.graph.ops.ConvNdOps;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.Var;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.ConvNd;
import org.nnvm4j.tensor.topi.Topi;

/**
 * The x86 computes of the channels-first convolutions over 1 to 3 spatial axes, conv2d's included
 * ({@code conv1d}, {@code conv2d}, {@code conv3d}) and of the transposed ones ({@code conv1d_transpose},
 * {@code conv2d_transpose}, {@code conv3d_transpose}), groups 1: all in the blocked form of
 * {@link X86Computes#conv2d} that the register-tiled micro-kernel of {@link X86Tiles#conv} schedules. The
 * data is zero-padded into channels-last order ({@code [N, Z..., C]}, channels innermost as the reduction
 * runs over them innermost), the weight packed to {@code [ceil(O/16), taps..., I, 16]} (blocks of 8, one
 * vector, where that wastes fewer lanes: {@link #outputBlock}), and the product
 * {@code [N, ceil(O/16), out..., 16]} (its last axis rounded up to the tile) reduced over the input
 * channels and the kernel taps, then read back channels-first.
 *
 * <p>A transposed conv is the conv of the zero-dilated (by the stride), padded input with the flipped
 * kernel and in/out channels swapped. Multiplying the inserted zeros would cost {@code stride} times the
 * work per axis, so an undilated strided axis is split into its {@code stride} output phases (sub-pixel
 * convolution): output {@code y = Y * s + ph} with {@code t = ph + padBegin} takes only the taps
 * {@code k = t mod s + j * s}, {@code j < ceil(K / s)}, at data {@code t / s + Y - j}, a stride-1 conv per
 * phase whose kernel and data offset depend on the phase. The phase becomes a data-parallel axis of the
 * product ({@code [..., ph, Y, ...]}); where {@code s} does not divide {@code K} the packed weight holds
 * zero taps for the phases with fewer taps (e.g. 3 taps at stride 2: 4 tap slots for 3 taps, 4/3 of the
 * work). A dilated strided axis keeps the zero-dilated form, as an index test in the padding stage (its
 * zeros are multiplied: {@code stride} times the work on that axis). Output padding and asymmetric padding
 * only change the output extents and offsets.
 */
final class X86ConvNd {
  /** The attribute of the blocked product that names the phases interleaved along its tiled (last) axis. */
  static final String TILE_PHASES = "tile_phases";
  private static final String[] SPATIAL = {"W", "HW", "DHW"};
  private static final String[] TAP_NAMES = {"rz", "ry", "rx"};

  private X86ConvNd() {}

  /**
   * The x86 compute of {@code conv1d}, {@code conv3d} or a transposed conv of {@code r} spatial axes, plus
   * bias; empty for groups other than 1 or a layout other than channels first (the generic compute serves).
   * Attributes the graph leaves out take the op's defaults.
   */
  static Optional<List<Tensor>> compute(String op, Map<String, String> attrs, List<Tensor> in) {
    int r = op.charAt(4) - '0';
    boolean transposed = op.endsWith("_transpose");
    String kernelLayout = (transposed ? "IO" : "OI") + SPATIAL[r - 1];
    String kl = attrs.getOrDefault("kernel_layout", kernelLayout);
    if (!attrs.getOrDefault("layout", "NC" + SPATIAL[r - 1]).equals("NC" + SPATIAL[r - 1])
        || !(kl.equals(kernelLayout) || transposed && r == 2 && kl.equals("OIHW"))) {
      return Optional.empty();
    }
    Map<String, String> all = new HashMap<>(Map.of("strides", "1", "dilation", "1", "padding", "0", "groups", "1"));
    all.putAll(attrs);
    ConvNd.Params p = ConvNdOps.params(all, r);
    if (p.groups() != 1) return Optional.empty();
    Tensor out = blocked(in.get(0), in.get(1), p, transposed, op, transposed ? ConvNd.TRANSPOSE_TAG : ConvNd.TAG, 0);
    return Optional.of(List.of(in.size() > 2 ? Conv2d.biasAdd(out, in.get(2), op + "_bias") : out));
  }

  /**
   * One spatial axis of the blocked product: {@code phases} x {@code out} positions (output
   * {@code y * phases + phase}), each summing {@code taps} taps j of the padded data at
   * {@code z = y * stride + j * dilation + (phase + shift) / phases} times the kernel tap
   * {@code (phase + shift) mod phases + kFirst + kStep * j} (of extent {@code kernel}); the padded data at z
   * holds the data at {@code (z - offset) / spread} where that divides and lies inside {@code in}, else zero.
   */
  private record Axis(long in, long kernel, long out, int phases, long taps, int stride, int dilation, int shift, int offset,
      int spread, long kFirst, long kStep, long extent) {
    /** The axis of a conv: stride, dilation, leading padding as given. */
    static Axis conv(long in, long kernel, long out, int stride, int dilation, int padBegin) {
      return new Axis(in, kernel, out, 1, kernel, stride, dilation, 0, padBegin, 1, 0, 1, out);
    }

    /** The axis of a transposed conv of output extent {@code extent}: split into phases where strided and undilated. */
    static Axis transposed(long in, long kernel, long extent, int stride, int dilation, int padBegin) {
      if (stride > 1 && dilation == 1) {
        long taps = Math.ceilDiv(kernel, stride);
        return new Axis(in, kernel, Math.ceilDiv(extent, stride), stride, taps, 1, 1, padBegin, (int) taps - 1, 1, (taps - 1) * stride,
            -stride, extent);
      }
      return new Axis(in, kernel, extent, 1, kernel, 1, dilation, 0, (int) ((kernel - 1) * dilation - padBegin), stride, kernel - 1, -1,
          extent);
    }

    /** The padded extent that positions {@code [0, positions)} with all their taps and phases read. */
    long padded(long positions) {
      return (positions - 1) * stride + (taps - 1) * dilation + Math.floorDiv(phases - 1 + shift, phases) + 1;
    }
  }

  /**
   * conv over {@code r} spatial axes (groups 1) in the blocked form with output channels in blocks of
   * {@link X86Computes#BLOCK}; {@code tag} names the read-back stage.
   */
  static Tensor conv(Tensor data, Tensor weight, ConvNd.Params p, String name, String tag) {
    return blocked(data, weight, p, false, name, tag, X86Computes.BLOCK);
  }

  /**
   * The output channel block of a conv with {@code oc} output channels: 16 (two vectors), or one vector
   * where that wastes fewer lanes (8 divides {@code oc} but 16 does not, or fewer than 8 channels).
   */
  static int outputBlock(long oc) {
    return oc % X86Computes.BLOCK != 0 && (oc % X86Schedules.LANES == 0 || oc < X86Schedules.LANES) ? X86Schedules.LANES
        : X86Computes.BLOCK;
  }

  /**
   * The axes of a conv, or of a transposed conv, checked against the data and weight shapes; output
   * channels in blocks of {@code block}, or of {@link #outputBlock} when {@code block} is 0.
   */
  private static Tensor blocked(Tensor data, Tensor weight, ConvNd.Params p, boolean transposed, String name, String tag, int block) {
    long[] d = Topi.constShape(data, name);
    long[] w = Topi.constShape(weight, name);
    int r = p.spatial();
    if (d.length != r + 2 || w.length != r + 2 || d[1] != w[transposed ? 0 : 1]) {
      throw CompileException.invalid("%s: data %s and weight %s do not fit %d spatial axes with groups=1", name, Arrays.toString(d),
          Arrays.toString(w), r);
    }
    long[] out = transposed ? ConvNd.transposeShape(d, w, p) : ConvNd.convShape(d, w, p);
    if (Arrays.stream(out).anyMatch(e -> e < 1)) {
      throw CompileException.invalid("%s: kernel %s does not fit data %s (output %s)", name, Arrays.toString(w), Arrays.toString(d),
          Arrays.toString(out));
    }
    Axis[] axes = new Axis[r];
    for (int i = 0; i < r; i++) {
      axes[i] = (transposed ? Axis.transposed(d[i + 2], w[i + 2], out[i + 2], p.strides()[i], p.dilation()[i], p.padBegin()[i])
          : Axis.conv(d[i + 2], w[i + 2], out[i + 2], p.strides()[i], p.dilation()[i], p.padBegin()[i]));
    }
    long oc = w[transposed ? 1 : 0];
    return blocked(data, weight, transposed, axes, oc, block > 0 ? block : outputBlock(oc), name, tag);
  }

  /**
   * The padded data, packed weight, blocked product and channels-first read-back of a conv over {@code axes}
   * with {@code oc} output channels; the weight is {@code [O, I, k...]}, or {@code [I, O, k...]} when
   * {@code transposed}.
   */
  private static Tensor blocked(Tensor data, Tensor weight, boolean transposed, Axis[] axes, long oc, int block, String name,
      String tag) {
    long[] d = Topi.constShape(data, name);
    int r = axes.length;
    long ic = d[1], ob = Math.ceilDiv(oc, block);
    Axis last = axes[r - 1];
    int cols = X86Computes.tileCols(last.out, block);
    long lastPositions = Math.ceilDiv(last.out, cols) * cols;
    Tensor pad = pad(data, axes, lastPositions, name);
    Tensor packed = pack(weight, transposed, axes, oc, ic, block, name);
    IterVar rc = Te.reduceAxis(ic, "rc");
    IterVar[] rk = new IterVar[r + 1];
    rk[0] = rc;
    for (int i = 0; i < r; i++) rk[i + 1] = Te.reduceAxis(axes[i].taps, TAP_NAMES[3 - r + i]);
    List<Long> shape = new ArrayList<>(List.of(d[0], ob));
    for (int i = 0; i < r; i++) {
      if (axes[i].phases > 1) shape.add((long) axes[i].phases);
      shape.add(i == r - 1 ? lastPositions : axes[i].out);
    }
    shape.add((long) block);
    Map<String, Object> attrs = new HashMap<>(Map.of(X86Computes.TILE_COLS, cols));
    if (last.phases > 1) attrs.put(TILE_PHASES, last.phases);
    Tensor product = Te.computeN(Te.shape(shape.stream().mapToLong(Long::longValue).toArray()), i -> {
      List<Expr> at = new ArrayList<>(List.of(i.get(0)));
      List<Expr> kw = new ArrayList<>(List.of(i.get(1)));
      List<Expr> taps = new ArrayList<>();
      int k = 2;
      for (int a = 0; a < r; a++) {
        Axis ax = axes[a];
        Expr ph = ax.phases > 1 ? i.get(k++) : null;
        Expr z = IrOps.add(IrOps.mul(i.get(k++), IrOps.i32(ax.stride)), IrOps.mul(rk[a + 1].var(), IrOps.i32(ax.dilation)));
        if (ph != null) {
          Expr t = IrOps.add(ph, IrOps.i32(ax.shift));
          z = IrOps.add(z, IrOps.floorDiv(t, IrOps.i32(ax.phases)));
          kw.add(IrOps.floorMod(t, IrOps.i32(ax.phases)));
        }
        at.add(z);
        taps.add(rk[a + 1].var());
      }
      at.add(rc.var());
      kw.addAll(taps);
      kw.add(rc.var());
      kw.add(i.get(k));
      return Te.sum(IrOps.mul(pad.get(at), packed.get(kw)), rk);
    }, name + "_nchwc", X86Computes.CONV_BLOCKED, attrs);
    long[] outShape = new long[r + 2];
    outShape[0] = d[0];
    outShape[1] = oc;
    for (int i = 0; i < r; i++) outShape[i + 2] = axes[i].extent;
    Expr bl = IrOps.i32(block);
    return Te.computeN(Te.shape(outShape), i -> {
      List<Expr> at = new ArrayList<>(List.of(i.get(0), IrOps.floorDiv(i.get(1), bl)));
      for (int a = 0; a < r; a++) {
        Expr y = i.get(a + 2);
        if (axes[a].phases > 1) {
          Expr s = IrOps.i32(axes[a].phases);
          at.add(IrOps.floorMod(y, s));
          y = IrOps.floorDiv(y, s);
        }
        at.add(y);
      }
      at.add(IrOps.floorMod(i.get(1), bl));
      return product.get(at);
    }, name, tag, Map.of());
  }

  /** The data zero-padded (and zero-dilated where an axis spreads it) into {@code [N, Z..., C]}. */
  private static Tensor pad(Tensor data, Axis[] axes, long lastPositions, String name) {
    long[] d = Topi.constShape(data, name);
    int r = axes.length;
    long[] shape = new long[r + 2];
    shape[0] = d[0];
    for (int i = 0; i < r; i++) shape[i + 1] = axes[i].padded(i == r - 1 ? lastPositions : axes[i].out);
    shape[r + 1] = d[1];
    return Te.computeN(Te.shape(shape), i -> {
      Expr inside = null;
      Expr[] at = new Expr[r];
      for (int a = 0; a < r; a++) {
        Axis ax = axes[a];
        Expr u = IrOps.sub(i.get(a + 1), IrOps.i32(ax.offset));
        Expr in = IrOps.and(IrOps.ge(u, IrOps.i32(0)), IrOps.lt(u, IrOps.i32((ax.in - 1) * ax.spread + 1)));
        if (ax.spread > 1) {
          in = IrOps.and(in, IrOps.eq(IrOps.floorMod(u, IrOps.i32(ax.spread)), IrOps.i32(0)));
          u = IrOps.floorDiv(u, IrOps.i32(ax.spread));
        }
        inside = inside == null ? in : IrOps.and(inside, in);
        at[a] = Topi.clamp(u, ax.in);
      }
      return IrOps.select(inside, data.get(ConvNd.withSpatial(i.get(0), i.get(r + 1), at)), IrOps.zero(data.dtype()));
    }, name + "_pad", X86Computes.CONV_PAD, Map.of());
  }

  /**
   * The weight packed to {@code [ceil(O/block), kernel phases..., taps..., I, block]}: output channels past
   * {@code oc} and taps past the kernel (phases with fewer taps) are zero.
   */
  private static Tensor pack(Tensor weight, boolean transposed, Axis[] axes, long oc, long ic, int block, String name) {
    int r = axes.length;
    List<Long> shape = new ArrayList<>(List.of(Math.ceilDiv(oc, block)));
    for (Axis ax : axes) if (ax.phases > 1) shape.add((long) ax.phases);
    for (Axis ax : axes) shape.add(ax.taps);
    shape.add(ic);
    shape.add((long) block);
    return Te.computeN(Te.shape(shape.stream().mapToLong(Long::longValue).toArray()), i -> {
      int n = i.size();
      Expr o = IrOps.add(IrOps.mul(i.get(0), IrOps.i32(block)), i.get(n - 1));
      Expr valid = oc % block == 0 ? null : IrOps.lt(o, IrOps.i32(oc));
      Expr[] k = new Expr[r];
      int phase = 1, tap = (int) (1 + Arrays.stream(axes).filter(ax -> ax.phases > 1).count());
      for (int a = 0; a < r; a++) {
        Axis ax = axes[a];
        Var j = i.get(tap + a);
        k[a] = ax.kFirst == 0 && ax.kStep == 1 ? j : IrOps.add(IrOps.i32(ax.kFirst), IrOps.mul(j, IrOps.i32(ax.kStep)));
        if (ax.phases > 1) {
          k[a] = IrOps.add(i.get(phase++), k[a]);
          if (ax.kernel % ax.phases != 0) {
            Expr fits = IrOps.lt(k[a], IrOps.i32(ax.kernel));
            valid = valid == null ? fits : IrOps.and(valid, fits);
            k[a] = Topi.clamp(k[a], ax.kernel);
          }
        }
      }
      Expr c = i.get(n - 2), oo = Topi.clamp(o, oc);
      Expr v = weight.get(transposed ? ConvNd.withSpatial(c, oo, k) : ConvNd.withSpatial(oo, c, k));
      return valid == null ? v : IrOps.select(valid, v, IrOps.zero(weight.dtype()));
    }, name + "_kernel_pack", X86Computes.CONV_PACK, Map.of());
  }
}
