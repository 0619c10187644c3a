package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intsAttr;
import static org.nnvm4j.graph.ops.OpAttrs.normalizeAxis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.Reduction;

/** Reductions over axes (NNVM level 4): argmax, argmin, cumsum, and sum, max, min, prod, mean with {@code axis}, {@code keepdims} and {@code exclude}. */
public final class ReduceOps {
  private ReduceOps() {}

  public static List<Op> ops() {
    return List.of(reduce("sum", Reduction.Kind.SUM), reduce("max", Reduction.Kind.MAX), reduce("min", Reduction.Kind.MIN),
        reduce("prod", Reduction.Kind.PROD), reduce("mean", Reduction.Kind.MEAN), arg("argmax", true), arg("argmin", false),
        Op.builder("cumsum").describe("Cumulative sum along axis (exclusive: without the element itself; reverse: from the"
            + " end).").inputs("data")
            .attr("axis", "0", "the axis to accumulate along", OpAttrs.INT)
            .attr("exclusive", "False", "leave the element itself out", OpAttrs.BOOL)
            .attr("reverse", "False", "accumulate from the end", OpAttrs.BOOL)
            .pattern(OpPattern.OPAQUE).inferType((a, in) -> OpRules.sameType(in))
            .inferShape((a, in) -> {
              if (in[0] != null) normalizeAxis(OpAttrs.intAttr(a, "axis"), in[0].rank());
              return OpRules.firstShape(in);
            })
            .compute((a, in) -> List.of(Reduction.cumsum(in.get(0), normalizeAxis(OpAttrs.intAttr(a, "axis"), in.get(0).ndim()),
                boolAttr(a, "exclusive"), boolAttr(a, "reverse"), "cumsum"))).build());
  }

  /** argmax/argmin along one axis; the result is int64. */
  private static Op arg(String name, boolean max) {
    return Op.builder(name).describe("The int64 index of the " + (max ? "maximum" : "minimum") + " along axis (the first,"
            + " or the last with select_last_index).").inputs("data")
        .attr("axis", "0", "the axis to search", OpAttrs.INT)
        .attr("keepdims", "False", "keep the axis with extent 1", OpAttrs.BOOL)
        .attr("select_last_index", "False", "the last index of the extreme instead of the first", OpAttrs.BOOL)
        .pattern(OpPattern.OPAQUE).inferType((a, in) -> in[0] == null ? null : new DType[] {DType.I64})
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          int axis = normalizeAxis(OpAttrs.intAttr(a, "axis"), in[0].rank());
          List<Long> out = new ArrayList<>();
          for (int d = 0; d < in[0].rank(); d++) {
            if (d != axis) out.add(in[0].dim(d));
            else if (boolAttr(a, "keepdims")) out.add(1L);
          }
          return new Shape[] {Shape.of(out.stream().mapToLong(Long::longValue).toArray())};
        })
        .compute((a, in) -> List.of(Reduction.argReduce(in.get(0), normalizeAxis(OpAttrs.intAttr(a, "axis"), in.get(0).ndim()),
            boolAttr(a, "keepdims"), max, boolAttr(a, "select_last_index"), name))).build();
  }

  private static Op reduce(String name, Reduction.Kind kind) {
    return Op.builder(name).describe("The " + name + " over axis (all axes when empty).").inputs("data")
        .attr("axis", "()", "the axes to reduce", OpAttrs.INTS)
        .attr("keepdims", "False", "keep reduced axes with extent 1", OpAttrs.BOOL)
        .attr("exclude", "False", "reduce the axes not listed instead", OpAttrs.BOOL)
        .pattern(OpPattern.COMM_REDUCE).inferType((a, in) -> OpRules.sameType(in))
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          boolean[] r = reduced(a, in[0].rank());
          List<Long> out = new ArrayList<>();
          for (int d = 0; d < r.length; d++) {
            if (!r[d]) out.add(in[0].dim(d));
            else if (boolAttr(a, "keepdims")) out.add(1L);
          }
          return new Shape[] {Shape.of(out.stream().mapToLong(Long::longValue).toArray())};
        })
        .compute((a, in) -> List.of(Reduction.reduce(in.get(0), reduced(a, in.get(0).ndim()), boolAttr(a, "keepdims"), kind, name)))
        .build();
  }

  /** Which dimensions the node reduces. */
  static boolean[] reduced(Map<String, String> a, int rank) {
    int[] axes = intsAttr(a, "axis");
    boolean[] r = new boolean[rank];
    boolean exclude = boolAttr(a, "exclude");
    if (axes.length == 0) java.util.Arrays.fill(r, !exclude);
    else {
      if (exclude) java.util.Arrays.fill(r, true);
      for (int ax : axes) r[normalizeAxis(ax, rank)] = !exclude;
    }
    return r;
  }
}
