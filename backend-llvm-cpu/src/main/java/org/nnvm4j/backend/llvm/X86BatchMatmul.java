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
 * flattened), reading the right operand's 16 columns at a time straight from its rows (a transposed
 * right operand is packed first), and read back as {@code [..., M, N]} by the output stage; (batch,
 * row tile) pairs run in parallel.
 */
final class X86BatchMatmul {
  static final String PRODUCT = "batch_matmul_padded";
  static final String PACK = "batch_matmul_pack";

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
    // A transposed right operand ([..., N, K]) is packed once to [its batch, ceil(N/16), K, 16], so that
    // the product reads 16 consecutive columns; an untransposed one is read from its rows as it is.
    long[] bBatch = Arrays.copyOf(sb, sb.length - 2);
    Tensor packed = !transB ? null : Te.computeN(Te.shape(Topi.product(bBatch, 0, bBatch.length), ceil(n, block), k, block), i -> {
      List<Expr> at = unravel(i.get(0), bBatch);
      at.add(clamp(IrOps.add(IrOps.mul(i.get(1), IrOps.i32(block)), i.get(3)), n));
      at.add(i.get(2));
      return b.get(at);
    }, "batch_matmul_pack", PACK, Map.of());
    IterVar rk = Te.reduceAxis(k, "k");
    Tensor padded = Te.computeN(Te.shape(bt, mp, ceil(n, block), block), i -> {
      List<Expr> lead = unravel(i.get(0), batch);
      Expr row = clamp(i.get(1), m);
      List<Expr> ia = operand(lead, sa, transA ? List.of(rk.var(), row) : List.of(row, rk.var()));
      if (transB) {
        List<Expr> ib = operand(lead, sb, List.of());
        Expr flat = IrOps.i32(0);
        for (int d = 0; d < ib.size(); d++) flat = IrOps.add(IrOps.mul(flat, IrOps.i32(bBatch[d])), ib.get(d));
        return Te.sum(IrOps.mul(a.get(ia), packed.get(flat, i.get(2), rk.var(), i.get(3))), rk);
      }
      Expr col = IrOps.add(IrOps.mul(i.get(2), IrOps.i32(block)), i.get(3));
      if (n % block != 0) col = clamp(col, n); // only a partial last block reads past the end
      return Te.sum(IrOps.mul(a.get(ia), b.get(operand(lead, sb, List.of(rk.var(), col)))), rk);
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
    Stage pack = null;
    for (Stage st : s.stages()) {
      if (st.op() instanceof ComputeOp c && c.tag().equals(PRODUCT)) product = st;
      if (st.op() instanceof ComputeOp c && c.tag().equals(PACK)) pack = st;
    }
    if (product == null) return false;
    if (pack != null) {
      // The generic pass inlined every injective intermediate; the packed operand is kept in a buffer.
      pack.computeRoot();
      List<IterVar> pa = pack.axis();
      pack.parallel(pack.fuse(pa.get(0), pa.get(1)));
      pack.vectorize(pa.get(3));
    }
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

  /** The multi-index of flat position {@code i} over {@code dims}. */
  private static List<Expr> unravel(Expr i, long[] dims) {
    List<Expr> out = new ArrayList<>();
    Expr rest = i;
    for (int d = dims.length - 1; d >= 0; d--) {
      out.add(0, IrOps.floorMod(rest, IrOps.i32(dims[d])));
      rest = IrOps.floorDiv(rest, IrOps.i32(dims[d]));
    }
    return out;
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
