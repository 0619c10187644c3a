package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.normalizeAxis;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.topi.Index;
import org.nnvm4j.tensor.topi.Sort;

/**
 * Indexing and selection ops (NNVM level 4 and TVM's transform/scatter/sort ops): gather_nd, one_hot,
 * reverse_sequence (injective), scatter_elements and scatter_nd with a reduction, and topk (its values or
 * its int64 indices, one node each).
 */
public final class IndexOps {
  private IndexOps() {}

  public static List<Op> ops() {
    return List.of(
        Op.builder("gather_nd").describe("out[b..., j..., r...] = data[b..., indices[b..., j..., :], r...]; the first batch_dims"
            + " dimensions are shared, negative indices count from the end.").pattern(OpPattern.INJECTIVE).inputs("data", "indices")
            .attr("batch_dims", "0", "the number of leading dimensions data and indices share", OpAttrs.INT)
            .inferType(IndexOps::dataType)
            .inferShape((a, in) -> {
              if (in[0] == null || in[1] == null) return null;
              return new Shape[] {Shape.of(Index.gatherNdShape(in[0].toArray(), in[1].toArray(), intAttr(a, "batch_dims")))};
            })
            .compute((a, in) -> List.of(Index.gatherNd(in.get(0), in.get(1), intAttr(a, "batch_dims"), "gather_nd"))).build(),
        Op.builder("one_hot").describe("values[1] where the new dimension's index equals indices (negative counts from depth),"
            + " values[0] elsewhere; the new dimension of extent depth sits at axis.").pattern(OpPattern.INJECTIVE)
            .inputs("indices", "values")
            .attr("depth", null, "the extent of the new dimension", OpAttrs.POSITIVE_INT)
            .attr("axis", "-1", "where the new dimension goes (-1: last)", OpAttrs.INT)
            .inferType((a, in) -> in[1] == null ? null : new DType[] {in[1]})
            .inferShape((a, in) -> {
              if (in[0] == null) return null;
              OpRules.expect(in, 1, "values", Shape.of(2));
              return new Shape[] {Shape.of(Index.oneHotShape(in[0].toArray(), intAttr(a, "depth"), oneHotAxis(a, in[0].rank())))};
            })
            .compute((a, in) -> List.of(Index.oneHot(in.get(0), in.get(1), intAttr(a, "depth"), oneHotAxis(a, in.get(0).ndim()),
                "one_hot"))).build(),
        Op.builder("reverse_sequence").describe("Reverses the first seq_lengths[b] elements along time_axis of each batch entry b"
            + " (along batch_axis).").pattern(OpPattern.INJECTIVE).inputs("data", "seq_lengths")
            .attr("batch_axis", "1", "the batch axis", OpAttrs.INT)
            .attr("time_axis", "0", "the axis reversed", OpAttrs.INT)
            .inferType(IndexOps::dataType)
            .inferShape((a, in) -> {
              if (in[0] == null) return null;
              int batch = normalizeAxis(intAttr(a, "batch_axis"), in[0].rank());
              int time = normalizeAxis(intAttr(a, "time_axis"), in[0].rank());
              if (batch == time) throw CompileException.invalid("reverse_sequence: batch_axis and time_axis are both %d", batch);
              OpRules.expect(in, 1, "seq_lengths", Shape.of(in[0].dim(batch)));
              return new Shape[] {in[0]};
            })
            .compute((a, in) -> List.of(Index.reverseSequence(in.get(0), in.get(1), normalizeAxis(intAttr(a, "batch_axis"), in.get(0).ndim()),
                normalizeAxis(intAttr(a, "time_axis"), in.get(0).ndim()), "reverse_sequence"))).build(),
        scatter("scatter_elements", "data with updates[j] written (or combined by reduction) at j with its axis component"
            + " replaced by indices[j]; the last write wins without a reduction.", true),
        scatter("scatter_nd", "data with the slice at indices[j, :] replaced by (or combined by reduction with) updates[j];"
            + " the last write wins without a reduction.", false),
        topk());
  }

  private static DType[] dataType(Map<String, String> a, DType[] in) { return in[0] == null ? null : new DType[] {in[0]}; }

  private static int oneHotAxis(Map<String, String> a, int indicesRank) { return normalizeAxis(intAttr(a, "axis"), indicesRank + 1); }

  private static Op scatter(String name, String doc, boolean elements) {
    Op.Builder b = Op.builder(name).describe(doc).pattern(OpPattern.OPAQUE).inputs("data", "indices", "updates");
    if (elements) b.attr("axis", "0", "the axis indices address", OpAttrs.INT);
    return b.attr("reduction", "none", "how updates combine with the data they land on",
            OpAttrs.oneOf("none", "add", "mul", "max", "min"))
        .inferType((a, in) -> {
          if (in[0] != null && in[2] != null && !in[0].equals(in[2])) {
            throw CompileException.invalid("%s: data has dtype %s but updates %s", name, in[0], in[2]);
          }
          return in[0] == null ? null : new DType[] {in[0]};
        })
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          if (elements) {
            normalizeAxis(intAttr(a, "axis"), in[0].rank());
            if (in[1] != null) OpRules.expect(in, 2, "updates", in[1]);
          }
          return new Shape[] {in[0]};
        })
        .compute((a, in) -> {
          Index.ScatterReduction r = Index.ScatterReduction.valueOf(a.get("reduction").toUpperCase(Locale.ROOT));
          Tensor out = elements
              ? Index.scatterElements(in.get(0), in.get(1), in.get(2), normalizeAxis(intAttr(a, "axis"), in.get(0).ndim()), r, name)
              : Index.scatterNd(in.get(0), in.get(1), in.get(2), r, name);
          return List.of(out);
        }).build();
  }

  private static Op topk() {
    return Op.builder("topk").describe("The k largest (or smallest) elements along axis, best first and ties by lower index:"
            + " their values (ret_type values) or their int64 indices (ret_type indices).").pattern(OpPattern.OPAQUE).inputs("data")
        .attr("k", null, "how many elements to keep", OpAttrs.POSITIVE_INT)
        .attr("axis", "-1", "the axis to select along", OpAttrs.INT)
        .attr("is_ascend", "False", "select the smallest instead of the largest", OpAttrs.BOOL)
        .attr("ret_type", "values", "values or indices", OpAttrs.oneOf("values", "indices"))
        .inferType((a, in) -> in[0] == null ? null : new DType[] {a.get("ret_type").equals("indices") ? DType.I64 : in[0]})
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          return new Shape[] {Shape.of(Sort.topkShape(in[0].toArray(), normalizeAxis(intAttr(a, "axis"), in[0].rank()), intAttr(a, "k")))};
        })
        .compute((a, in) -> {
          Tensor x = in.get(0);
          int axis = normalizeAxis(intAttr(a, "axis"), x.ndim());
          boolean largest = !boolAttr(a, "is_ascend");
          return List.of(a.get("ret_type").equals("indices") ? Sort.topkIndices(x, intAttr(a, "k"), axis, largest, "topk")
              : Sort.topkValues(x, intAttr(a, "k"), axis, largest, "topk"));
        }).build();
  }
}
