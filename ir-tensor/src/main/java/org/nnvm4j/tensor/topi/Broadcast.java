package org.nnvm4j.tensor.topi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Var;

/** NumPy-style broadcasting binary computes ({@code out = f(a, b)} over the broadcast shape), tag {@code broadcast}. */
public final class Broadcast {
  public static final String TAG = "broadcast";

  private Broadcast() {}

  /**
   * The NumPy broadcast of two shapes (right-aligned; a dimension of 1 stretches), or null when they are
   * incompatible.
   */
  public static long[] shape(long[] a, long[] b) {
    int rank = Math.max(a.length, b.length);
    long[] out = new long[rank];
    for (int d = 0; d < rank; d++) {
      long x = d < rank - a.length ? 1 : a[d - (rank - a.length)];
      long y = d < rank - b.length ? 1 : b[d - (rank - b.length)];
      if (x != y && x != 1 && y != 1) return null;
      out[d] = x == 1 ? y : x;
    }
    return out;
  }

  /** {@code out[i...] = f(a[i'...], b[i''...])} over the broadcast of the two constant shapes. */
  public static Tensor binary(Tensor a, Tensor b, BinaryOperator<Expr> f, String name) {
    if (!a.dtype().equals(b.dtype())) throw CompileException.invalid("%s: operand dtypes %s and %s differ", name, a.dtype(), b.dtype());
    long[] sa = Topi.constShape(a, name);
    long[] sb = Topi.constShape(b, name);
    long[] out = shape(sa, sb);
    if (out == null) {
      throw CompileException.invalid("%s: shapes %s and %s do not broadcast", name, java.util.Arrays.toString(sa),
          java.util.Arrays.toString(sb));
    }
    return Te.computeN(Te.shape(out), idx -> f.apply(a.get(index(idx, sa)), b.get(index(idx, sb))), name, TAG, Map.of());
  }

  /** {@code out = cond ? x : y} element-wise over the broadcast of the three constant shapes. */
  public static Tensor where(Tensor cond, Tensor x, Tensor y, String name) {
    if (!x.dtype().equals(y.dtype())) throw CompileException.invalid("%s: operand dtypes %s and %s differ", name, x.dtype(), y.dtype());
    long[] sc = Topi.constShape(cond, name);
    long[] sx = Topi.constShape(x, name);
    long[] sy = Topi.constShape(y, name);
    long[] xy = shape(sx, sy);
    long[] out = xy == null ? null : shape(sc, xy);
    if (out == null) throw CompileException.invalid("%s: shapes of condition, x and y do not broadcast", name);
    return Te.computeN(Te.shape(out), idx -> {
      Expr c = cond.get(index(idx, sc));
      if (!c.dtype().equals(org.nnvm4j.tensor.DType.BOOL)) c = IrOps.ne(c, IrOps.zero(c.dtype()));
      return IrOps.select(c, x.get(index(idx, sx)), y.get(index(idx, sy)));
    }, name, TAG, Map.of());
  }

  /** The index into an operand of shape {@code s} for output index {@code idx}: stretched dimensions read 0. */
  static List<Expr> index(List<Var> idx, long[] s) {
    List<Expr> out = new ArrayList<>();
    int off = idx.size() - s.length;
    for (int d = 0; d < s.length; d++) out.add(s[d] == 1 ? IrOps.i32(0) : idx.get(d + off));
    return out;
  }
}
