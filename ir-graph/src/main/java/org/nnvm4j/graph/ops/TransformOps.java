package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intsAttr;
import static org.nnvm4j.graph.ops.OpAttrs.normalizeAxis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.Transform;

/**
 * Layout ops (NNVM level 1 and 4): reshape, transpose, flatten, concatenate, expand_dims, squeeze,
 * strided_slice, take, trilu, gather_elements, pad; all injective.
 */
public final class TransformOps {
  private TransformOps() {}

  public static List<Op> ops() {
    return List.of(
        injective("reshape", "Reshapes to attribute shape (0 copies a dimension, -1 infers one, -2 copies the rest,"
            + " -3 merges two).").inputs("data").attr("shape", null, "the new shape", OpAttrs.INTS)
            .inferShape((a, in) -> in[0] == null ? null : new Shape[] {reshaped(in[0], intsAttr(a, "shape"))})
            .compute((a, in) -> List.of(Transform.reshape(in.get(0), reshaped(shape(in.get(0)), intsAttr(a, "shape")).toArray(),
                "reshape"))).build(),
        injective("transpose", "Permutes the dimensions; no axes reverses them.").inputs("data")
            .attr("axes", "()", "the new order of the dimensions", OpAttrs.INTS)
            .inferShape((a, in) -> {
              if (in[0] == null) return null;
              int[] axes = axes(a, in[0].rank());
              long[] out = new long[axes.length];
              for (int d = 0; d < axes.length; d++) out[d] = in[0].dim(axes[d]);
              return new Shape[] {Shape.of(out)};
            })
            .compute((a, in) -> List.of(Transform.transpose(in.get(0), axes(a, in.get(0).ndim()), "transpose"))).build(),
        injective("flatten", "Collapses all dimensions but the first: [N, C, H, W] -> [N, C*H*W].").inputs("data")
            .inferShape((a, in) -> in[0] == null ? null : new Shape[] {flat(in[0])})
            .compute((a, in) -> List.of(Transform.reshape(in.get(0), flat(shape(in.get(0))).toArray(), "flatten"))).build(),
        injective("concatenate", "Joins the inputs along axis.").variadicInputs()
            .attr("axis", "1", "the axis to join along", OpAttrs.INT)
            .inferShape((a, in) -> concatShape(in, intAttr(a, "axis")))
            .compute((a, in) -> List.of(Transform.concatenate(in, normalizeAxis(intAttr(a, "axis"), in.get(0).ndim()),
                "concatenate"))).build(),
        injective("expand_dims", "Inserts num_newaxis dimensions of extent 1 at axis.").inputs("data")
            .attr("axis", null, "where to insert", OpAttrs.INT)
            .attr("num_newaxis", "1", "how many dimensions to insert", OpAttrs.POSITIVE_INT)
            .inferShape((a, in) -> {
              if (in[0] == null) return null;
              List<Long> d = new ArrayList<>(Arrays.stream(in[0].toArray()).boxed().toList());
              int axis = expandAxis(a, in[0].rank());
              for (int i = 0; i < intAttr(a, "num_newaxis"); i++) d.add(axis, 1L);
              return new Shape[] {Shape.of(d.stream().mapToLong(Long::longValue).toArray())};
            })
            .compute((a, in) -> List.of(Transform.expandDims(in.get(0), expandAxis(a, in.get(0).ndim()),
                intAttr(a, "num_newaxis"), "expand_dims"))).build(),
        injective("squeeze", "Removes dimensions of extent 1 (the listed ones, or all).").inputs("data")
            .attr("axis", "()", "the dimensions to remove", OpAttrs.INTS)
            .inferShape((a, in) -> {
              if (in[0] == null) return null;
              int[] axes = squeezeAxes(a, in[0]);
              long[] out = new long[in[0].rank() - axes.length];
              for (int d = 0, k = 0; d < in[0].rank(); d++) {
                final int dim = d;
                if (Arrays.stream(axes).noneMatch(x -> x == dim)) out[k++] = in[0].dim(d);
              }
              return new Shape[] {Shape.of(out)};
            })
            .compute((a, in) -> List.of(Transform.squeeze(in.get(0), squeezeAxes(a, shape(in.get(0))), "squeeze"))).build(),
        injective("strided_slice", "NumPy's data[begin:end:stride] per dimension (negative values count from the end;"
            + " dimensions not listed are whole).").inputs("data")
            .attr("begin", null, "the first index per dimension", OpAttrs.INTS)
            .attr("end", null, "the end (exclusive) per dimension", OpAttrs.INTS)
            .attr("stride", "()", "the step per dimension (nonzero; 1 when not listed)", OpAttrs.INTS)
            .inferShape((a, in) -> {
              if (in[0] == null) return null;
              long[][] b = sliceSpec(a, in[0].rank());
              return new Shape[] {Shape.of(Transform.sliceShape(in[0].toArray(), b[0], b[1], b[2]))};
            })
            .compute((a, in) -> {
              long[][] b = sliceSpec(a, in.get(0).ndim());
              return List.of(Transform.stridedSlice(in.get(0), b[0], b[1], b[2], "strided_slice"));
            }).build(),
        Op.builder("take").describe("Gathers slices of data along axis at the (integer) indices; negative indices count"
            + " from the end.").pattern(OpPattern.INJECTIVE).inputs("data", "indices")
            .attr("axis", "0", "the axis to gather along", OpAttrs.INT)
            .inferType((a, in) -> in[0] == null ? null : new org.nnvm4j.tensor.DType[] {in[0]})
            .inferShape((a, in) -> {
              if (in[0] == null || in[1] == null) return null;
              int axis = normalizeAxis(intAttr(a, "axis"), in[0].rank());
              return new Shape[] {Shape.of(Transform.takeShape(in[0].toArray(), in[1].toArray(), axis))};
            })
            .compute((a, in) -> List.of(Transform.take(in.get(0), in.get(1), normalizeAxis(intAttr(a, "axis"), in.get(0).ndim()),
                "take"))).build(),
        injective("trilu", "Keeps the upper (j - i >= k) or lower (j - i <= k) triangle of the last two dimensions,"
            + " zeroes the rest.").inputs("data")
            .attr("upper", "True", "keep the upper triangle", OpAttrs.BOOL)
            .attr("k", "0", "the diagonal offset", OpAttrs.INT)
            .inferShape((a, in) -> {
              if (in[0] != null && in[0].rank() < 2) throw CompileException.invalid("trilu needs rank >= 2, got %s", in[0]);
              return OpRules.firstShape(in);
            })
            .compute((a, in) -> List.of(Transform.trilu(in.get(0), OpAttrs.boolAttr(a, "upper"), intAttr(a, "k"), "trilu"))).build(),
        Op.builder("gather_elements").describe("out[i...] = data[i...] with the index along axis taken from indices[i...].")
            .pattern(OpPattern.INJECTIVE).inputs("data", "indices")
            .attr("axis", "0", "the axis indexed", OpAttrs.INT)
            .inferType((a, in) -> in[0] == null ? null : new org.nnvm4j.tensor.DType[] {in[0]})
            .inferShape((a, in) -> {
              if (in[0] == null || in[1] == null) return null;
              normalizeAxis(intAttr(a, "axis"), in[0].rank());
              if (in[0].rank() != in[1].rank()) throw CompileException.invalid("data %s and indices %s ranks differ", in[0], in[1]);
              return new Shape[] {in[1]};
            })
            .compute((a, in) -> List.of(Transform.gatherElements(in.get(0), in.get(1),
                normalizeAxis(intAttr(a, "axis"), in.get(0).ndim()), "gather_elements"))).build(),
        injective("pad", "Pads (or, negative, crops) each dimension: constant fill, edge, reflect or wrap.").inputs("data")
            .attr("pad_before", null, "elements added before, per dimension", OpAttrs.INTS)
            .attr("pad_after", null, "elements added after, per dimension", OpAttrs.INTS)
            .attr("mode", "constant", "constant, edge, reflect or wrap", OpAttrs.oneOf("constant", "edge", "reflect", "wrap"))
            .attr("pad_value", "0", "the fill of mode constant", OpAttrs.FLOAT)
            .inferShape((a, in) -> {
              if (in[0] == null) return null;
              int[] b = intsAttr(a, "pad_before"), e = intsAttr(a, "pad_after");
              if (b.length != in[0].rank() || e.length != in[0].rank()) throw CompileException.invalid("pads need %d values per side", in[0].rank());
              long[] out = new long[b.length];
              for (int d = 0; d < out.length; d++) out[d] = in[0].dim(d) + b[d] + e[d];
              return new Shape[] {Shape.of(out)};
            })
            .compute((a, in) -> List.of(Transform.pad(in.get(0), longs(intsAttr(a, "pad_before")), longs(intsAttr(a, "pad_after")),
                a.get("mode"), OpAttrs.floatAttr(a, "pad_value"), "pad"))).build());
  }

  private static Op.Builder injective(String name, String doc) {
    return Op.builder(name).describe(doc).pattern(OpPattern.INJECTIVE).inferType((a, in) -> OpRules.sameType(in));
  }

  /** begin, end and stride of strided_slice for every one of {@code rank} dimensions: unlisted ones are whole. */
  private static long[][] sliceSpec(Map<String, String> a, int rank) {
    int[] begin = intsAttr(a, "begin");
    int[] end = intsAttr(a, "end");
    int[] stride = intsAttr(a, "stride");
    if (begin.length > rank || end.length != begin.length || stride.length > begin.length) {
      throw CompileException.invalid("begin has %d values, end %d and stride %d for rank %d", begin.length, end.length, stride.length, rank);
    }
    long[][] out = new long[3][rank];
    for (int d = 0; d < rank; d++) {
      out[0][d] = d < begin.length ? begin[d] : 0;
      out[1][d] = d < end.length ? end[d] : Long.MAX_VALUE;
      out[2][d] = d < stride.length ? stride[d] : 1;
      if (out[2][d] == 0) throw CompileException.invalid("stride of dimension %d is 0", d);
    }
    return out;
  }

  private static long[] longs(int[] v) { return Arrays.stream(v).asLongStream().toArray(); }

  static Shape shape(org.nnvm4j.tensor.te.Tensor t) { return Shape.of(org.nnvm4j.tensor.topi.Topi.constShape(t, t.name())); }

  /** NNVM's reshape rule. */
  static Shape reshaped(Shape in, int[] spec) {
    List<Long> out = new ArrayList<>();
    int src = 0;
    int infer = -1;
    for (int i = 0; i < spec.length; i++) {
      int s = spec[i];
      switch (s) {
        case 0 -> {
          if (src >= in.rank()) throw CompileException.invalid("reshape: 0 at position %d copies a dimension %s lacks", i, in);
          out.add(in.dim(src++));
        }
        case -1 -> {
          if (infer >= 0) throw CompileException.invalid("reshape: shape %s has more than one -1", Arrays.toString(spec));
          infer = out.size();
          out.add(1L);
          src++;
        }
        case -2 -> {
          while (src < in.rank()) out.add(in.dim(src++));
        }
        case -3 -> {
          if (src + 1 >= in.rank()) throw CompileException.invalid("reshape: -3 at position %d needs two dimensions of %s", i, in);
          out.add(in.dim(src) * in.dim(src + 1));
          src += 2;
        }
        default -> {
          if (s < 1) throw CompileException.invalid("reshape: %d in shape %s is not supported", s, Arrays.toString(spec));
          out.add((long) s);
          src++;
        }
      }
    }
    long known = out.stream().reduce(1L, Math::multiplyExact);
    if (infer >= 0) {
      if (known == 0 || in.numElements() % known != 0) {
        throw CompileException.invalid("reshape: cannot infer -1 in %s for %s", Arrays.toString(spec), in);
      }
      out.set(infer, in.numElements() / known);
    }
    Shape r = Shape.of(out.stream().mapToLong(Long::longValue).toArray());
    if (r.numElements() != in.numElements()) {
      throw CompileException.invalid("reshape: %s has %d elements but shape %s has %d", in, in.numElements(), Arrays.toString(spec),
          r.numElements());
    }
    return r;
  }

  private static int[] axes(Map<String, String> a, int rank) {
    int[] axes = intsAttr(a, "axes");
    if (axes.length == 0) {
      axes = new int[rank];
      for (int d = 0; d < rank; d++) axes[d] = rank - 1 - d;
    }
    if (axes.length != rank) throw CompileException.invalid("transpose: axes %s for rank %d", Arrays.toString(axes), rank);
    boolean[] seen = new boolean[rank];
    for (int d = 0; d < rank; d++) {
      axes[d] = normalizeAxis(axes[d], rank);
      if (seen[axes[d]]) throw CompileException.invalid("transpose: axes %s repeat %d", Arrays.toString(axes), axes[d]);
      seen[axes[d]] = true;
    }
    return axes;
  }

  static Shape flat(Shape in) {
    if (in.rank() < 1) throw CompileException.invalid("flatten: a scalar has no first dimension");
    return Shape.of(in.dim(0), in.numElements() / Math.max(1, in.dim(0)));
  }

  private static Shape[] concatShape(Shape[] in, int axisAttr) {
    if (Arrays.stream(in).anyMatch(s -> s == null)) return null;
    int axis = normalizeAxis(axisAttr, in[0].rank());
    long[] out = in[0].toArray();
    for (int k = 1; k < in.length; k++) {
      if (in[k].rank() != in[0].rank()) throw CompileException.invalid("concatenate: input 0 has shape %s but input %d has %s", in[0], k, in[k]);
      for (int d = 0; d < out.length; d++) {
        if (d == axis) out[d] += in[k].dim(d);
        else if (in[k].dim(d) != out[d]) {
          throw CompileException.invalid("concatenate: input 0 has shape %s but input %d has %s (dimension %d differs)", in[0], k, in[k], d);
        }
      }
    }
    return new Shape[] {Shape.of(out)};
  }

  private static int expandAxis(Map<String, String> a, int rank) {
    int axis = intAttr(a, "axis");
    int r = axis < 0 ? axis + rank + 1 : axis;
    if (r < 0 || r > rank) throw CompileException.invalid("expand_dims: axis %d is out of range for rank %d", axis, rank);
    return r;
  }

  private static int[] squeezeAxes(Map<String, String> a, Shape s) {
    int[] axes = intsAttr(a, "axis");
    if (axes.length == 0) return java.util.stream.IntStream.range(0, s.rank()).filter(d -> s.dim(d) == 1).toArray();
    for (int i = 0; i < axes.length; i++) {
      axes[i] = normalizeAxis(axes[i], s.rank());
      if (s.dim(axes[i]) != 1) throw CompileException.invalid("squeeze: dimension %d of %s is not 1", axes[i], s);
    }
    return axes;
  }
}
