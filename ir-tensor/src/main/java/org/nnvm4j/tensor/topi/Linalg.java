package org.nnvm4j.tensor.topi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.Var;

/** Linear-algebra computes: batched matrix product with broadcast batch dimensions, determinant. */
public final class Linalg {
  private Linalg() {}

  /**
   * The output shape of {@code a @ b} for operands of rank >= 2 ({@code [..., M, K] x [..., K, N]}, either
   * transposed in its last two dimensions): the NumPy broadcast of the batch dimensions, then {@code [M, N]}.
   */
  public static long[] batchMatmulShape(long[] a, long[] b, boolean transA, boolean transB) {
    if (a.length < 2 || b.length < 2) {
      throw CompileException.invalid("batch_matmul: operands need rank >= 2, got %s and %s", Arrays.toString(a), Arrays.toString(b));
    }
    long m = transA ? a[a.length - 1] : a[a.length - 2];
    long ka = transA ? a[a.length - 2] : a[a.length - 1];
    long kb = transB ? b[b.length - 1] : b[b.length - 2];
    long n = transB ? b[b.length - 2] : b[b.length - 1];
    if (ka != kb) {
      throw CompileException.invalid("batch_matmul: inner dimensions differ (%d and %d) for %s x %s", ka, kb, Arrays.toString(a),
          Arrays.toString(b));
    }
    long[] batch = Broadcast.shape(Arrays.copyOf(a, a.length - 2), Arrays.copyOf(b, b.length - 2));
    if (batch == null) {
      throw CompileException.invalid("batch_matmul: batch dimensions of %s and %s do not broadcast", Arrays.toString(a), Arrays.toString(b));
    }
    long[] out = Arrays.copyOf(batch, batch.length + 2);
    out[batch.length] = m;
    out[batch.length + 1] = n;
    return out;
  }

  /** {@code out[..., i, j] = sum_k a[..., i, k] * b[..., k, j]} with broadcast batch dimensions; tag {@code batch_matmul}. */
  public static Tensor batchMatmul(Tensor a, Tensor b, boolean transA, boolean transB, String name) {
    if (!a.dtype().equals(b.dtype())) throw CompileException.invalid("%s: operand dtypes %s and %s differ", name, a.dtype(), b.dtype());
    long[] sa = Topi.constShape(a, name);
    long[] sb = Topi.constShape(b, name);
    long[] out = batchMatmulShape(sa, sb, transA, transB);
    IterVar k = Te.reduceAxis(transA ? sa[sa.length - 2] : sa[sa.length - 1], "k");
    int batch = out.length - 2;
    return Te.computeN(Te.shape(out), idx -> {
      List<Var> lead = idx.subList(0, batch);
      Var i = idx.get(batch);
      Var j = idx.get(batch + 1);
      List<Expr> ia = Broadcast.index(lead, Arrays.copyOf(sa, sa.length - 2));
      ia.addAll(transA ? List.of(k.var(), i) : List.of(i, k.var()));
      List<Expr> ib = Broadcast.index(lead, Arrays.copyOf(sb, sb.length - 2));
      ib.addAll(transB ? List.of(j, k.var()) : List.of(k.var(), j));
      return Te.sum(IrOps.mul(a.get(ia), b.get(ib)), k);
    }, name, "batch_matmul", Map.of());
  }

  /**
   * The determinant of every square matrix in the last two dimensions of {@code a}: Gaussian
   * elimination with partial pivoting, one step per column, each step a few stages (pivot value, pivot
   * row, swapped and eliminated matrix). The eliminated matrix of each step is written as a one-term
   * sum so that schedules keep it in a buffer of its own: inlined, each step would repeat the previous
   * one's expression a dozen times. A singular matrix gives 0.
   */
  public static Tensor det(Tensor a, String name) {
    long[] s = Topi.constShape(a, name);
    if (s.length < 2 || s[s.length - 1] != s[s.length - 2]) {
      throw CompileException.invalid("%s: needs square matrices in the last two dimensions, got %s", name, Arrays.toString(s));
    }
    if (!a.dtype().isFloat()) throw CompileException.invalid("%s: needs a float dtype, got %s", name, a.dtype());
    if (s.length == 2) {
      // One matrix: run the batched form over a batch of 1 (the intermediate stages then have rank 1,
      // tir.storage-rewrite cannot plan rank-0 allocations) and read the single result.
      Tensor lifted = Transform.expandDims(a, 0, 1, name + "_batch");
      Tensor one = det(lifted, name + "_batched");
      return Te.computeN(List.of(), idx -> one.get(IrOps.i32(0)), name, Transform.TAG, Map.of());
    }
    int b = s.length - 2;
    long n = s[b];
    List<Expr> batch = Te.shape(Arrays.copyOf(s, b));
    Tensor m = a;
    List<Tensor> pivots = new ArrayList<>();
    List<Tensor> rows = new ArrayList<>();
    for (int step = 0; step < n; step++) {
      final int c = step;
      final Tensor cur = m;
      IterVar r1 = Te.reduceAxis(n, "r");
      Tensor best = Te.computeN(batch, idx -> Te.max(IrOps.select(IrOps.ge(r1.var(), IrOps.i32(c)),
          abs(cur.get(at(idx, r1.var(), IrOps.i32(c)))), IrOps.zero(a.dtype())), r1),
          name + "_pivot" + c, Reduction.TAG, Map.of());
      IterVar r2 = Te.reduceAxis(n, "r");
      Tensor row = Te.computeN(batch, idx -> Te.min(IrOps.select(IrOps.and(IrOps.ge(r2.var(), IrOps.i32(c)),
          IrOps.eq(abs(cur.get(at(idx, r2.var(), IrOps.i32(c)))), best.get(idx))), r2.var(), IrOps.i32(n - 1)), r2),
          name + "_row" + c, Reduction.TAG, Map.of());
      IterVar one = Te.reduceAxis(1, "u");
      Tensor next = Te.computeN(a.shape(), idx -> {
        List<Var> lead = idx.subList(0, b);
        Var i = idx.get(b);
        Var j = idx.get(b + 1);
        Expr p = row.get(lead);
        Expr pivot = cur.get(at(lead, p, IrOps.i32(c)));
        Expr swappedI = swapped(cur, lead, i, j, p, c);
        Expr factor = IrOps.select(IrOps.eq(pivot, IrOps.zero(a.dtype())), IrOps.zero(a.dtype()),
            IrOps.div(swapped(cur, lead, i, IrOps.i32(c), p, c), pivot));
        Expr eliminated = IrOps.sub(swappedI, IrOps.mul(factor, cur.get(at(lead, p, j))));
        return Te.sum(IrOps.select(IrOps.gt(i, IrOps.i32(c)), eliminated, swappedI), one);
      }, name + "_step" + c, Reduction.TAG, Map.of());
      pivots.add(next);
      rows.add(row);
      m = next;
    }
    return Te.computeN(batch, idx -> {
      Expr d = IrOps.one(a.dtype());
      for (int c = 0; c < n; c++) {
        Expr diag = pivots.get(c).get(at(idx, IrOps.i32(c), IrOps.i32(c)));
        d = IrOps.mul(d, IrOps.select(IrOps.ne(rows.get(c).get(idx), IrOps.i32(c)), IrOps.sub(IrOps.zero(a.dtype()), diag), diag));
      }
      return d;
    }, name, Transform.TAG, Map.of());
  }

  private static Expr abs(Expr x) { return IrOps.call(x.dtype(), "fabs", x); }

  /** {@code lead + [i, j]}. */
  private static List<Expr> at(List<? extends Expr> lead, Expr i, Expr j) {
    List<Expr> out = new ArrayList<>(lead);
    out.add(i);
    out.add(j);
    return out;
  }

  /** Element {@code [i, j]} of {@code m} with rows {@code c} and {@code p} exchanged. */
  private static Expr swapped(Tensor m, List<Var> lead, Expr i, Expr j, Expr p, int c) {
    Expr row = IrOps.select(IrOps.eq(i, IrOps.i32(c)), p, IrOps.select(IrOps.eq(i, p), IrOps.i32(c), i));
    return m.get(at(lead, row, j));
  }

  /** A parsed einsum equation: one term per input and the output term, ellipses expanded into private letters. */
  public record EinsumSpec(List<int[]> inputs, int[] output) {}

  private static final int ELLIPSIS = 0x10000;

  /**
   * Parses an einsum equation ({@code "ij,jk->ik"}, {@code "...ii->...i"}, {@code "i,i"}) for inputs of
   * the given ranks. Without {@code ->} the output is the ellipsis dimensions, then the letters that occur
   * once, in alphabetical order (NumPy's implicit mode).
   */
  public static EinsumSpec parseEinsum(String equation, int[] ranks) {
    String eq = equation.replace(" ", "");
    int arrow = eq.indexOf("->");
    String lhs = arrow < 0 ? eq : eq.substring(0, arrow);
    String[] terms = lhs.split(",", -1);
    if (terms.length != ranks.length) {
      throw CompileException.invalid("einsum: equation '%s' has %d operands but %d inputs are given", equation, terms.length, ranks.length);
    }
    int ell = 0;
    List<int[]> inputs = new ArrayList<>();
    for (int t = 0; t < terms.length; t++) {
      String term = terms[t];
      int letters = letters(term, equation);
      boolean dots = term.contains("...");
      if (dots ? letters > ranks[t] : letters != ranks[t]) {
        throw CompileException.invalid("einsum: term '%s' of '%s' does not fit input %d of rank %d", term, equation, t, ranks[t]);
      }
      int own = dots ? ranks[t] - letters : 0;
      ell = Math.max(ell, own);
    }
    for (int t = 0; t < terms.length; t++) inputs.add(expand(terms[t], ranks[t] - letters(terms[t], equation), ell));
    int[] output;
    if (arrow >= 0) {
      String rhs = eq.substring(arrow + 2);
      letters(rhs, equation);
      output = expand(rhs, rhs.contains("...") ? ell : 0, ell);
      for (int i = 0; i < output.length; i++) {
        for (int j = 0; j < i; j++) if (output[i] == output[j]) throw CompileException.invalid("einsum: output of '%s' repeats a letter", equation);
        final int l = output[i];
        if (inputs.stream().noneMatch(in -> Arrays.stream(in).anyMatch(x -> x == l))) {
          throw CompileException.invalid("einsum: output letter '%s' of '%s' is in no input", Character.toString(l), equation);
        }
      }
    } else {
      List<Integer> out = new ArrayList<>();
      for (int e = 0; e < ell; e++) out.add(ELLIPSIS + e);
      int[] count = new int[128];
      for (int[] in : inputs) for (int l : in) if (l < 128) count[l]++;
      for (int l = 0; l < 128; l++) if (count[l] == 1) out.add(l);
      output = out.stream().mapToInt(Integer::intValue).toArray();
    }
    return new EinsumSpec(inputs, output);
  }

  private static int letters(String term, String equation) {
    String rest = term.replaceFirst("\\.\\.\\.", "");
    for (char ch : rest.toCharArray()) {
      if (!Character.isLetter(ch) || ch >= 128) throw CompileException.invalid("einsum: '%s' in equation '%s' is not a letter", ch, equation);
    }
    return rest.length();
  }

  /** The letters of {@code term}, its ellipsis standing for the last {@code own} of {@code ell} private letters. */
  private static int[] expand(String term, int own, int ell) {
    List<Integer> out = new ArrayList<>();
    int dots = term.indexOf("...");
    for (int i = 0; i < term.length(); i++) {
      if (i == dots) {
        for (int e = ell - own; e < ell; e++) out.add(ELLIPSIS + e);
        i += 2;
      } else {
        out.add((int) term.charAt(i));
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The extent of every letter of {@code spec} over inputs of {@code shapes}; ellipsis dimensions broadcast. */
  private static Map<Integer, Long> extents(EinsumSpec spec, long[][] shapes) {
    Map<Integer, Long> ext = new java.util.HashMap<>();
    for (int t = 0; t < shapes.length; t++) {
      int[] term = spec.inputs().get(t);
      for (int d = 0; d < term.length; d++) {
        long e = shapes[t][d];
        Long known = ext.get(term[d]);
        boolean broadcast = term[d] >= ELLIPSIS;
        if (known == null || broadcast && known == 1) ext.put(term[d], e);
        else if (known != e && !(broadcast && e == 1)) {
          throw CompileException.invalid("einsum: dimension '%s' is %d in one place and %d in another",
              term[d] >= ELLIPSIS ? "..." : Character.toString(term[d]), known, e);
        }
      }
    }
    return ext;
  }

  /** The output shape of einsum {@code equation} over inputs of {@code shapes}. */
  public static long[] einsumShape(String equation, long[][] shapes) {
    EinsumSpec spec = parseEinsum(equation, Arrays.stream(shapes).mapToInt(x -> x.length).toArray());
    Map<Integer, Long> ext = extents(spec, shapes);
    return Arrays.stream(spec.output()).mapToLong(ext::get).toArray();
  }

  /**
   * Einsum as one compute: the output letters index the output, every other letter is a reduction axis,
   * and the body is the product of the inputs (a letter repeated in one input reads its diagonal); tag
   * {@code einsum}.
   */
  public static Tensor einsum(String equation, List<Tensor> inputs, String name) {
    long[][] shapes = inputs.stream().map(t -> Topi.constShape(t, name)).toArray(long[][]::new);
    for (Tensor t : inputs) {
      if (!t.dtype().equals(inputs.get(0).dtype())) throw CompileException.invalid("%s: input dtypes %s and %s differ", name, inputs.get(0).dtype(), t.dtype());
    }
    EinsumSpec spec = parseEinsum(equation, Arrays.stream(shapes).mapToInt(x -> x.length).toArray());
    Map<Integer, Long> ext = extents(spec, shapes);
    List<Integer> reduced = new ArrayList<>();
    for (int[] term : spec.inputs()) {
      for (int l : term) if (Arrays.stream(spec.output()).noneMatch(x -> x == l) && !reduced.contains(l)) reduced.add(l);
    }
    List<IterVar> axes = new ArrayList<>();
    for (int l : reduced) axes.add(Te.reduceAxis(ext.get(l), l >= ELLIPSIS ? "e" + (l - ELLIPSIS) : Character.toString(l)));
    long[] out = Arrays.stream(spec.output()).mapToLong(ext::get).toArray();
    return Te.computeN(Te.shape(out), idx -> {
      Map<Integer, Expr> var = new java.util.HashMap<>();
      for (int d = 0; d < out.length; d++) var.put(spec.output()[d], idx.get(d));
      for (int r = 0; r < reduced.size(); r++) var.put(reduced.get(r), axes.get(r).var());
      Expr prod = null;
      for (int t = 0; t < inputs.size(); t++) {
        int[] term = spec.inputs().get(t);
        List<Expr> at = new ArrayList<>();
        for (int d = 0; d < term.length; d++) at.add(shapes[t][d] == 1 && ext.get(term[d]) != 1 ? IrOps.i32(0) : var.get(term[d]));
        Expr v = inputs.get(t).get(at);
        prod = prod == null ? v : IrOps.mul(prod, v);
      }
      return axes.isEmpty() ? prod : Te.sum(prod, axes.toArray(IterVar[]::new));
    }, name, "einsum", Map.of());
  }
}
