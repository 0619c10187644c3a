package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.ints;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.PoolNd;

/**
 * Pooling over 1 and 3 spatial axes ({@code max_pool1d}, {@code avg_pool3d}, ...), Lp pooling over 1 to 3
 * ({@code lp_pool1d} to {@code lp_pool3d}) and over all of them ({@code global_lp_pool}), the flat index of
 * each window's maximum ({@code max_pool1d_argmax} to {@code max_pool3d_argmax}), and max unpooling
 * ({@code max_unpool1d} to {@code max_unpool3d}); channels first, with dilation, ceil mode and
 * {@code padding} of one value per axis or all begins then all ends.
 */
public final class PoolNdOps {
  private static final String[] SPATIAL = {"W", "HW", "DHW"};

  private PoolNdOps() {}

  public static List<Op> ops() {
    return List.of(pool(1, false), pool(3, false), pool(1, true), pool(3, true), argmax(1), argmax(2), argmax(3), unpool(1), unpool(2),
        unpool(3), lpPool(1), lpPool(2), lpPool(3), globalLpPool());
  }

  /** Checks for a positive finite power p. */
  static final Op.AttrCheck POWER = v -> {
    if (!(OpAttrs.parseFloat(v) > 0)) throw new IllegalArgumentException("expected a positive power");
  };

  private static Op lpPool(int r) {
    String name = "lp_pool" + r + "d";
    return pooling(window(name, r, "Lp pooling, (sum |x|^p)^(1/p) with padding as zeros,").inputs("data"), r)
        .attr("p", "2", "the power p of the norm", POWER)
        .pattern(OpPattern.OUT_ELEMWISE_FUSABLE).inferType((a, in) -> NormOps.floatType(name, in))
        .inferShape((a, in) -> in[0] == null ? null : new Shape[] {Shape.of(outShape(name, r, a, in[0], false))})
        .compute((a, in) -> List.of(PoolNd.lpPool(in.get(0), params(a, r, false), OpAttrs.floatAttr(a, "p"), name))).build();
  }

  private static Op globalLpPool() {
    return Op.builder("global_lp_pool").describe("Global Lp pooling, (sum |x|^p)^(1/p) over every spatial axis: [N, C, spatial...] -> [N, C, 1...].")
        .inputs("data")
        .attr("p", "2", "the power p of the norm", POWER)
        .pattern(OpPattern.OUT_ELEMWISE_FUSABLE).inferType((a, in) -> NormOps.floatType("global_lp_pool", in))
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          if (in[0].rank() < 3) throw CompileException.invalid("global_lp_pool: data has shape %s; expected [N, C, spatial...]", in[0]);
          long[] out = in[0].toArray();
          Arrays.fill(out, 2, out.length, 1);
          return new Shape[] {Shape.of(out)};
        })
        .compute((a, in) -> List.of(PoolNd.globalLpPool(in.get(0), OpAttrs.floatAttr(a, "p"), "global_lp_pool"))).build();
  }

  private static Op.Builder window(String name, int r, String doc) {
    String layout = "NC" + SPATIAL[r - 1];
    return Op.builder(name).describe(doc + " over " + r + "-d windows of " + layout + " data.")
        .attr("pool_size", null, "the window extent per spatial axis", OpAttrs.positivePair(r))
        .attr("strides", ConvNdOps.tuple(r, 1), "the strides per spatial axis", OpAttrs.positivePair(r))
        .attr("padding", ConvNdOps.tuple(r, 0), "padding: one value per spatial axis, or all begins then all ends", ConvNdOps.padding(r))
        .attr("layout", layout, "the data layout", OpAttrs.oneOf(layout));
  }

  private static Op.Builder pooling(Op.Builder b, int r) {
    return b.attr("dilation", ConvNdOps.tuple(r, 1), "the dilation per spatial axis", OpAttrs.positivePair(r))
        .attr("ceil_mode", "False", "round the output size up", OpAttrs.BOOL);
  }

  private static Op pool(int r, boolean avg) {
    String name = (avg ? "avg" : "max") + "_pool" + r + "d";
    Op.Builder b = pooling(window(name, r, avg ? "Average pooling" : "Max pooling").inputs("data"), r);
    if (avg) b.attr("count_include_pad", "False", "whether padding counts in the average", OpAttrs.BOOL);
    return b.pattern(OpPattern.OUT_ELEMWISE_FUSABLE).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> in[0] == null ? null : new Shape[] {Shape.of(outShape(name, r, a, in[0], avg))})
        .compute((a, in) -> List.of(PoolNd.pool(in.get(0), params(a, r, avg), avg, name))).build();
  }

  private static Op argmax(int r) {
    String name = "max_pool" + r + "d_argmax";
    return pooling(window(name, r, "The int64 flat index into data of the maximum (first in window order)").inputs("data"), r)
        .attr("column_major", "False", "count the spatial axes last-first in the index (ONNX storage_order=1)", OpAttrs.BOOL)
        .pattern(OpPattern.OPAQUE)
        .inferType((a, in) -> new DType[] {DType.I64})
        .inferShape((a, in) -> in[0] == null ? null : new Shape[] {Shape.of(outShape(name, r, a, in[0], false))})
        .compute((a, in) -> List.of(PoolNd.argmax(in.get(0), params(a, r, false), boolAttr(a, "column_major"), name))).build();
  }

  private static Op unpool(int r) {
    String name = "max_unpool" + r + "d";
    return window(name, r, "Max unpooling: data placed at the flat indices MaxPool gave, zero elsewhere,").inputs("data", "indices")
        .attr("output_size", "()", "the output shape; () for (in - 1) * stride + window - pad begin - pad end per axis", OpAttrs.INTS)
        .pattern(OpPattern.OPAQUE)
        .inferType((a, in) -> {
          if (in[1] != null && !in[1].isIntegral()) throw CompileException.invalid("%s: indices have dtype %s; expected integers", name, in[1]);
          return in[0] == null ? null : new DType[] {in[0]};
        })
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          OpRules.expect(in, 1, "indices", in[0]);
          return new Shape[] {Shape.of(unpoolShape(name, r, a, in[0]))};
        })
        .compute((a, in) -> List.of(PoolNd.unpool(in.get(0), in.get(1), params(a, r, false),
            unpoolShape(name, r, a, Shape.of(org.nnvm4j.tensor.topi.Topi.constShape(in.get(0), name))), name))).build();
  }

  private static long[] unpoolShape(String name, int r, Map<String, String> a, Shape d) {
    if (d.rank() != r + 2) throw CompileException.invalid("%s: data has shape %s; expected rank %d", name, d, r + 2);
    int[] given = OpAttrs.intsAttr(a, "output_size");
    PoolNd.Params p = params(a, r, false);
    long[] out = PoolNd.unpoolShape(d.toArray(), p);
    if (given.length > 0) {
      if (given.length != r + 2 || given[0] != d.dim(0) || given[1] != d.dim(1)) {
        throw CompileException.invalid("%s: output_size %s does not fit data %s", name, Arrays.toString(given), d);
      }
      for (int i = 2; i < given.length; i++) {
        if (given[i] < out[i]) {
          throw CompileException.invalid("%s: output_size %s is smaller than the pooled input %s", name, Arrays.toString(given),
              Arrays.toString(out));
        }
        out[i] = given[i];
      }
    }
    for (int i = 2; i < out.length; i++) if (out[i] < 1) throw CompileException.invalid("%s: output shape %s is empty", name, Arrays.toString(out));
    return out;
  }

  private static long[] outShape(String name, int r, Map<String, String> a, Shape d, boolean avg) {
    if (d.rank() != r + 2) throw CompileException.invalid("%s: data has shape %s; expected rank %d (NC%s)", name, d, r + 2, SPATIAL[r - 1]);
    PoolNd.Params p = params(a, r, avg);
    for (int i = 0; i < r; i++) {
      if (p.padBegin()[i] >= (long) p.dilation()[i] * (p.window()[i] - 1) + 1 || p.padEnd()[i] >= (long) p.dilation()[i] * (p.window()[i] - 1) + 1) {
        throw CompileException.invalid("%s: padding %s must be smaller than the (dilated) window %s on every axis", name, a.get("padding"),
            a.get("pool_size"));
      }
    }
    long[] out = PoolNd.outShape(d.toArray(), p);
    for (int i = 2; i < out.length; i++) {
      if (out[i] < 1) throw CompileException.invalid("%s: window %s does not fit data %s", name, a.get("pool_size"), d);
    }
    return out;
  }

  private static PoolNd.Params params(Map<String, String> a, int r, boolean avg) {
    int[][] pad = ConvNdOps.padding(a.get("padding"), r);
    int[] dil = a.containsKey("dilation") ? ints(a.get("dilation"), r) : ints(ConvNdOps.tuple(r, 1), r);
    return new PoolNd.Params(ints(a.get("pool_size"), r), ints(a.get("strides"), r), dil, pad[0], pad[1],
        a.containsKey("ceil_mode") && boolAttr(a, "ceil_mode"), avg && boolAttr(a, "count_include_pad"));
  }
}
