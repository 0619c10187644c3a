package org.nnvm4j.backend.llvm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.topi.Linalg;
import org.nnvm4j.tensor.topi.Topi;

/**
 * The x86 compute and schedule of float32 {@code batch_matmul} (TVM's {@code batch_matmul} x86
 * strategy): the dense register tile of {@link X86Tiles#dense} with a batch axis in front. The product
 * is computed over rows rounded up to {@link X86Computes#DENSE_ROWS} and columns in blocks of
 * {@link X86Computes#BLOCK} ({@code [batch, Mp, ceil(N/16), 16]}, the broadcast batch dimensions
 * flattened), reading the right operand's 16 columns at a time straight from its rows, and read back
 * as {@code [..., M, N]} by the output stage; (batch, row tile) pairs run in parallel.
 */
final class X86BatchMatmul {
  static final String PRODUCT = "batch_matmul_padded";

  private X86BatchMatmul() {}

  /** The blocked compute, or empty for other dtypes and for fewer rows than a tile. */
  static Optional<List<Tensor>> compute(Map<String, String> attrs, List<Tensor> in) {
    Tensor a = in.get(0), b = in.get(1);
    boolean transA = isTrue(attrs.getOrDefault("transpose_a", "False"));
    boolean transB = isTrue(attrs.getOrDefault("transpose_b", "False"));
    long[] sa = Topi.constShape(a, "batch_matmul"), sb = Topi.constShape(b, "batch_matmul");
    long[] out = Linalg.batchMatmulShape(sa, sb, transA, transB);
    int nb = out.length - 2;
    long m = out[nb], n = out[nb + 1], k = transA ? sa[sa.length - 2] : sa[sa.length - 1];
    if (!a.dtype().equals(DType.F32) || !b.dtype().equals(DType.F32) || m < X86Computes.DENSE_ROWS) return Optional.empty();
    long[] batch = Arrays.copyOf(out, nb);
    long bt = Topi.product(batch, 0, nb);
    long mp = ceil(m, X86Computes.DENSE_ROWS) * X86Computes.DENSE_ROWS;
    int block = X86Computes.BLOCK;
    IterVar rk = Te.reduceAxis(k, "k");
    Tensor padded = Te.computeN(Te.shape(bt, mp, ceil(n, block), block), i -> {
      List<Expr> lead = new ArrayList<>();
      Expr rest = i.get(0);
      for (int d = nb - 1; d >= 0; d--) {
        lead.add(0, IrOps.floorMod(rest, IrOps.i32(batch[d])));
        rest = IrOps.floorDiv(rest, IrOps.i32(batch[d]));
      }
      Expr row = clamp(i.get(1), m);
      Expr col = IrOps.add(IrOps.mul(i.get(2), IrOps.i32(block)), i.get(3));
      if (n % block != 0) col = clamp(col, n); // only a partial last block reads past the end
      List<Expr> ia = operand(lead, sa, transA ? List.of(rk.var(), row) : List.of(row, rk.var()));
      List<Expr> ib = operand(lead, sb, transB ? List.of(col, rk.var()) : List.of(rk.var(), col));
      return Te.sum(IrOps.mul(a.get(ia), b.get(ib)), rk);
    }, "batch_matmul_padded", PRODUCT, Map.of());
    return Optional.of(List.of(Te.computeN(Te.shape(out), i -> {
      Expr flat = IrOps.i32(0);
      for (int d = 0; d < nb; d++) flat = IrOps.add(IrOps.mul(flat, IrOps.i32(batch[d])), i.get(d));
      Expr bl = IrOps.i32(block);
      return padded.get(flat, i.get(nb), IrOps.floorDiv(i.get(nb + 1), bl), IrOps.floorMod(i.get(nb + 1), bl));
    }, "batch_matmul", "batch_matmul", Map.of())));
  }

  /**
   * Schedules the group whose product stage this strategy computed: 6 x 16 output tiles, the tile's
   * 16 columns vectorized, batch and row tiles fused and parallel, the product computed per tile with
   * its rows unrolled inside the reduction. Returns false when the group has no such stage.
   */
  static boolean schedule(Schedule s, Tensor result) {
    Stage product = null;
    for (Stage st : s.stages()) if (st.op() instanceof ComputeOp c && c.tag().equals(PRODUCT)) product = st;
    if (product == null) return false;
    Stage out = s.get(result);
    List<IterVar> ax = out.axis();
    int r = ax.size();
    IterVar[] t = out.tile(ax.get(r - 2), ax.get(r - 1), X86Computes.DENSE_ROWS, X86Computes.BLOCK);
    out.vectorize(t[3]);
    IterVar rows = t[0];
    for (int d = r - 3; d >= 0; d--) rows = out.fuse(ax.get(d), rows);
    out.parallel(rows);
    product.computeAt(out, t[1]);
    List<IterVar> p = List.copyOf(product.leafIterVars());
    product.reorder(p.get(0), p.get(2), p.get(4), p.get(1), p.get(3));
    product.unroll(p.get(1));
    product.vectorize(p.get(3));
    return true;
  }

  /** The index into an operand of {@code shape} for output batch index {@code lead}: broadcast dimensions read 0. */
  private static List<Expr> operand(List<Expr> lead, long[] shape, List<Expr> last) {
    List<Expr> out = new ArrayList<>();
    int off = lead.size() - (shape.length - 2);
    for (int d = 0; d < shape.length - 2; d++) out.add(shape[d] == 1 ? IrOps.i32(0) : lead.get(d + off));
    out.addAll(last);
    return out;
  }

  private static boolean isTrue(String v) { return v.trim().equalsIgnoreCase("true") || v.trim().equals("1"); }

  private static long ceil(long a, long b) { return (a + b - 1) / b; }

  private static Expr clamp(Expr e, long n) { return IrOps.min(IrOps.max(e, IrOps.i32(0)), IrOps.i32(n - 1)); }
}
