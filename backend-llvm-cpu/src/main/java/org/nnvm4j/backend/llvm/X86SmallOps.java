package org.nnvm4j.backend.llvm;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.topi.Blocked;
import org.nnvm4j.tensor.topi.Conv2d;
import org.nnvm4j.tensor.topi.Pool;
import org.nnvm4j.tensor.topi.Topi;

/**
 * The x86 computes and schedules beside the register-tiled dense/conv2d of {@link X86Computes}: dense
 * with fewer rows than a tile ({@link X86SmallDense}), depthwise conv2d ({@link X86Depthwise}; in NCHW{c}c
 * {@link X86DepthwiseNchwc}) and global
 * pooling ({@link X86Pool}).
 * {@link X86Computes} and {@link X86Schedules} ask here first (one call each).
 */
final class X86SmallOps {
  private X86SmallOps() {}

  /** The compute of graph op {@code op} (float32 inputs), with its bias added, or empty where another serves. */
  static Optional<List<Tensor>> compute(String op, Map<String, String> attrs, List<Tensor> in) {
    Tensor out;
    switch (op) {
      case "dense" -> {
        long[] d = Topi.constShape(in.get(0), op);
        if (!X86SmallDense.applies(d[0], d[1])) return Optional.empty();
        out = X86SmallDense.dense(in.get(0), in.get(1), op);
      }
      case "conv2d" -> {
        Conv2d.Params p = X86Computes.convParams(attrs);
        if (!X86Depthwise.applies(Topi.constShape(in.get(0), op), Topi.constShape(in.get(1), op), p.groups())) return Optional.empty();
        out = X86Depthwise.conv2d(in.get(0), in.get(1), p, op);
      }
      case "depthwise_conv2d_NCHWc" -> {
        Tensor conv = X86DepthwiseNchwc.conv2d(in.get(0), in.get(1), X86Computes.convParams(attrs), op);
        return Optional.of(List.of(in.size() > 2 ? Blocked.biasAddNchwc(conv, in.get(2), op + "_bias") : conv));
      }
      case "max_pool2d" -> {
        if (!plainNchw(attrs, in.get(0), op)) return Optional.empty();
        return Optional.of(List.of(X86Depthwise.maxPool(in.get(0), new Pool.Params(
            X86Computes.pair(attrs.get("pool_size")), X86Computes.pair(attrs.getOrDefault("strides", "(1, 1)")),
            X86Computes.pair(attrs.getOrDefault("padding", "(0, 0)")),
            attrs.getOrDefault("ceil_mode", "False").trim().equalsIgnoreCase("true"), false), op)));
      }
      case "global_avg_pool2d", "global_max_pool2d" -> {
        boolean avg = op.equals("global_avg_pool2d");
        if (Topi.constShape(in.get(0), op).length == 5) return Optional.of(List.of(X86Pool.globalBlocked(in.get(0), avg, op)));
        if (!plainNchw(attrs, in.get(0), op) || !X86Pool.applies(Topi.constShape(in.get(0), op))) return Optional.empty();
        return Optional.of(List.of(X86Pool.global(in.get(0), avg, op)));
      }
      default -> { return Optional.empty(); }
    }
    return Optional.of(List.of(in.size() > 2 ? Conv2d.biasAdd(out, in.get(2), op + "_bias") : out));
  }

  /** Whether a pooling op reads plain NCHW data (CorrectLayout may have given it NCHW{c}c, which the generic compute serves). */
  private static boolean plainNchw(Map<String, String> attrs, Tensor data, String op) {
    return attrs.getOrDefault("layout", "NCHW").equals("NCHW") && Topi.constShape(data, op).length == 4;
  }

  /**
   * Schedules the group whose output stage is {@code out} when it holds one of these computes (its
   * injective intermediates already inlined); false where the group is another's.
   */
  static boolean schedule(Stage out) {
    Stage dot = byTag(out, X86SmallDense.DOT);
    if (dot != null) {
      X86SmallDense.schedule(out, dot);
      return true;
    }
    Stage tile = byTag(out, X86Depthwise.PRODUCT);
    if (tile != null) {
      X86Depthwise.schedule(out, tile, byTag(out, X86Depthwise.PAD).computeRoot());
      return true;
    }
    Stage blocked = byTag(out, X86DepthwiseNchwc.PRODUCT);
    if (blocked != null) {
      Stage pad = byTag(out, X86DepthwiseNchwc.PAD);
      X86DepthwiseNchwc.schedule(out, blocked, pad == null ? null : pad.computeRoot());
      return true;
    }
    Stage acc = byTag(out, X86Pool.BLOCKED);
    if (acc != null) {
      X86Pool.scheduleBlocked(out, acc);
      return true;
    }
    Stage rows = byTag(out, X86Pool.ROWS);
    if (rows != null) {
      X86Pool.schedule(out, rows);
      return true;
    }
    return false;
  }

  private static Stage byTag(Stage out, String tag) {
    for (Stage st : out.schedule().stages()) if (st.op() instanceof ComputeOp c && c.tag().equals(tag)) return st;
    return null;
  }
}
