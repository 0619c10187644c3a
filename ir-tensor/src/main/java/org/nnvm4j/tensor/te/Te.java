package org.nnvm4j.tensor.te;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.Range;
import org.nnvm4j.tensor.tir.Var;

/**
 * The tensor expression language, as TVM's {@code te} module:
 * <pre>{@code
 * Var n = Te.var("n");
 * Tensor a = Te.placeholder(List.of(n), DType.F32, "A");
 * Tensor b = Te.placeholder(List.of(n), DType.F32, "B");
 * Tensor c = Te.compute(a.shape(), i -> IrOps.add(a.get(i), b.get(i)), "C");
 * }</pre>
 */
public final class Te {
  private Te() {}

  /** An int32 symbolic variable, e.g. a shape dimension. */
  public static Var var(String name) { return Var.sizeVar(name, DType.I32); }

  public static Var var(String name, DType dtype) { return new Var(name, dtype); }

  /** An int32 expression list from constant dimensions. */
  public static List<Expr> shape(long... dims) {
    return Arrays.stream(dims).mapToObj(d -> (Expr) IrOps.i32(d)).toList();
  }

  public static Tensor placeholder(List<? extends Expr> shape, DType dtype, String name) {
    checkShape(shape, name);
    return new PlaceholderOp(name, List.copyOf(shape), dtype).output(0);
  }

  /** A one-dimensional compute. */
  public static Tensor compute(List<? extends Expr> shape, Function<Var, Expr> f, String name) {
    if (shape.size() != 1) throw CompileException.invalid("compute '%s': a 1-index function for a rank-%d shape", name, shape.size());
    return computeN(shape, iv -> f.apply(iv.get(0)), name, "", Map.of());
  }

  /** A two-dimensional compute. */
  public static Tensor compute(List<? extends Expr> shape, Fn2 f, String name) {
    if (shape.size() != 2) throw CompileException.invalid("compute '%s': a 2-index function for a rank-%d shape", name, shape.size());
    return computeN(shape, iv -> f.apply(iv.get(0), iv.get(1)), name, "", Map.of());
  }

  /** A compute of any rank, with an operator tag and attributes for schedule strategies. */
  public static Tensor computeN(List<? extends Expr> shape, Function<List<Var>, Expr> f, String name, String tag,
      Map<String, Object> attrs) {
    checkShape(shape, name);
    List<IterVar> axis = new ArrayList<>();
    List<Var> vars = new ArrayList<>();
    String[] hints = shape.size() <= 4 ? new String[] {"i", "j", "k", "l"} : null;
    for (int d = 0; d < shape.size(); d++) {
      Var v = new Var(hints != null ? hints[d] : "ax" + d, shape.get(d).dtype());
      vars.add(v);
      axis.add(new IterVar(Range.fromExtent(shape.get(d)), v, IterVar.Kind.DATA_PAR));
    }
    Expr body = f.apply(List.copyOf(vars));
    return new ComputeOp(name, tag, attrs, axis, List.of(body)).output(0);
  }

  private static void checkShape(List<? extends Expr> shape, String name) {
    for (Expr d : shape) {
      if (!d.dtype().isIntegral() || d.dtype().isVector()) {
        throw CompileException.invalid("tensor '%s': dimension %s has dtype %s; expected an integer", name, d, d.dtype());
      }
      Long c = IrOps.asLong(d);
      if (c != null && c < 0) throw CompileException.invalid("tensor '%s': negative dimension %d", name, c);
    }
  }

  /** A two-index function. */
  @FunctionalInterface
  public interface Fn2 { Expr apply(Var i, Var j); }
}
