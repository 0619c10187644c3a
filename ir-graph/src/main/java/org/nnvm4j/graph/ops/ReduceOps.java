package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intsAttr;
import static org.nnvm4j.graph.ops.OpAttrs.normalizeAxis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.Reduction;

/** Reductions over axes (NNVM level 4): sum, max, min, prod, mean, with {@code axis}, {@code keepdims} and {@code exclude}. */
public final class ReduceOps {
  private ReduceOps() {}

  public static List<Op> ops() {
    return List.of(reduce("sum", Reduction.Kind.SUM), reduce("max", Reduction.Kind.MAX), reduce("min", Reduction.Kind.MIN),
        reduce("prod", Reduction.Kind.PROD), reduce("mean", Reduction.Kind.MEAN));
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
