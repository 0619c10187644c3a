package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.Linalg;

/** Matrix ops: batch_matmul (broadcast batch dimensions), einsum, det. */
public final class MatmulOps {
  private MatmulOps() {}

  public static List<Op> ops() {
    return List.of(
        Op.builder("batch_matmul").describe("a @ b over the last two dimensions ([..., M, K] x [..., K, N], either operand"
            + " optionally transposed), NumPy broadcasting of the batch dimensions.").inputs("a", "b")
            .attr("transpose_a", "False", "a holds [..., K, M]", OpAttrs.BOOL)
            .attr("transpose_b", "False", "b holds [..., N, K]", OpAttrs.BOOL)
            .pattern(OpPattern.OUT_ELEMWISE_FUSABLE).inferType((a, in) -> OpRules.sameType(in))
            .inferShape((a, in) -> {
              if (in[0] == null || in[1] == null) return null;
              return new Shape[] {Shape.of(Linalg.batchMatmulShape(in[0].toArray(), in[1].toArray(), boolAttr(a, "transpose_a"),
                  boolAttr(a, "transpose_b")))};
            })
            .compute((a, in) -> List.of(Linalg.batchMatmul(in.get(0), in.get(1), boolAttr(a, "transpose_a"), boolAttr(a, "transpose_b"),
                "batch_matmul"))).build(),
        Op.builder("einsum").describe("Einstein summation over the inputs ('ij,jk->ik'; '...' for broadcast dimensions; without"
            + " '->' the output is the letters that occur once, sorted).").variadicInputs()
            .attr("equation", null, "the einsum equation", v -> {
              if (v.isBlank()) throw new IllegalArgumentException("expected an equation such as ij,jk->ik");
            })
            .pattern(OpPattern.OPAQUE).inferType((a, in) -> OpRules.sameType(in))
            .inferShape((a, in) -> {
              if (Arrays.stream(in).anyMatch(Objects::isNull)) return null;
              long[][] shapes = Arrays.stream(in).map(Shape::toArray).toArray(long[][]::new);
              return new Shape[] {Shape.of(Linalg.einsumShape(a.get("equation"), shapes))};
            })
            .compute((a, in) -> List.of(Linalg.einsum(a.get("equation"), in, "einsum"))).build(),
        Op.builder("det").describe("The determinant of each square matrix in the last two dimensions.").inputs("data")
            .pattern(OpPattern.OPAQUE).inferType((a, in) -> OpRules.sameType(in))
            .inferShape((a, in) -> {
              if (in[0] == null) return null;
              int r = in[0].rank();
              if (r < 2 || in[0].dim(r - 1) != in[0].dim(r - 2)) {
                throw CompileException.invalid("det: data has shape %s; expected [..., n, n]", in[0]);
              }
              return new Shape[] {Shape.of(Arrays.copyOf(in[0].toArray(), r - 2))};
            })
            .compute((a, in) -> List.of(Linalg.det(in.get(0), "det"))).build());
  }
}
