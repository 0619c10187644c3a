package org.nnvm4j.tensor.te;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import java.util.function.BinaryOperator;
import org.nnvm4j.tensor.tir.CommReducer;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.FloatImm;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.Range;
import org.nnvm4j.tensor.tir.Reduce;
import org.nnvm4j.tensor.tir.StmtExprVisitor;
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
    checkReductionPlacement(body, name);
    return new ComputeOp(name, tag, attrs, axis, List.of(body)).output(0);
  }

  /** A reduction axis over {@code dom}, for {@link #sum} and the other reducers. */
  public static IterVar reduceAxis(Range dom, String name) {
    if (!dom.extent().dtype().isIntegral() || dom.extent().dtype().isVector()
        || !dom.min().dtype().equals(dom.extent().dtype())) {
      throw CompileException.invalid("reduce axis '%s': range %s must be integer-typed", name, dom);
    }
    Long ext = IrOps.asLong(dom.extent());
    if (ext != null && ext < 1) throw CompileException.invalid("reduce axis '%s': extent %d must be >= 1", name, ext);
    return new IterVar(dom, new Var(name, dom.extent().dtype()), IterVar.Kind.COMM_REDUCE);
  }

  /** A reduction axis over {@code [0, extent)}. */
  public static IterVar reduceAxis(Expr extent, String name) { return reduceAxis(Range.fromExtent(extent), name); }

  /** A reduction axis over {@code [0, extent)}. */
  public static IterVar reduceAxis(long extent, String name) { return reduceAxis(IrOps.i32(extent), name); }

  /** {@code sum(source)} over {@code axis}; identity 0. */
  public static Expr sum(Expr source, IterVar... axis) { return SUM.reduce(source, axis); }

  /** {@code sum(source)} over the points of {@code axis} where {@code where} holds. */
  public static Expr sum(Expr source, Expr where, IterVar... axis) { return SUM.reduce(source, where, axis); }

  /** {@code max(source)} over {@code axis}; identity the lowest value of the dtype (-inf for floats). */
  public static Expr max(Expr source, IterVar... axis) { return MAX.reduce(source, axis); }

  /** {@code min(source)} over {@code axis}; identity the highest value of the dtype (+inf for floats). */
  public static Expr min(Expr source, IterVar... axis) { return MIN.reduce(source, axis); }

  /** The product of {@code source} over {@code axis}; identity 1. */
  public static Expr prod(Expr source, IterVar... axis) { return PROD.reduce(source, axis); }

  private static final Reducer SUM = commReducer("sum", IrOps::add, t -> IrOps.zero(t));
  private static final Reducer MAX = commReducer("max", IrOps::max, Te::lowest);
  private static final Reducer MIN = commReducer("min", IrOps::min, Te::highest);
  private static final Reducer PROD = commReducer("prod", IrOps::mul, t -> IrOps.one(t));

  /**
   * A user-defined commutative reducer (TVM's {@code te.comm_reducer}): {@code combine} must be
   * commutative and associative, and {@code identity} its neutral element for each dtype.
   */
  public static Reducer commReducer(String name, BinaryOperator<Expr> combine, Function<DType, Expr> identity) {
    return (source, condition, axis) -> {
      DType t = source.dtype();
      if (t.isVector() || t.isHandle()) {
        throw CompileException.invalid("reduction '%s': source %s has dtype %s; expected a scalar", name,
            source, t);
      }
      if (axis.length == 0) throw CompileException.invalid("reduction '%s' over no axis", name);
      for (IterVar iv : axis) {
        if (iv.kind() != IterVar.Kind.COMM_REDUCE) {
          throw CompileException.invalid("reduction '%s': axis '%s' is not a reduce axis; create it with"
              + " Te.reduceAxis", name, iv.var().name());
        }
      }
      if (!condition.dtype().isBool()) {
        throw CompileException.invalid("reduction '%s': condition %s must be bool", name, condition);
      }
      Var x = new Var("x", t);
      Var y = new Var("y", t);
      Expr id = identity.apply(t);
      if (!id.dtype().equals(t)) {
        throw CompileException.invalid("reduction '%s': identity %s has dtype %s, expected %s", name, id, id.dtype(), t);
      }
      CommReducer r = new CommReducer(List.of(x), List.of(y), List.of(combine.apply(x, y)), List.of(id));
      return new Reduce(r, List.of(source), List.of(axis), condition, 0);
    };
  }

  /** The lowest value of a scalar dtype: -inf for floats, the minimum for integers. */
  public static Expr lowest(DType t) {
    if (t.isFloat()) return new FloatImm(t, Double.NEGATIVE_INFINITY);
    if (t.isUInt()) return IrOps.intImm(t, 0);
    return IrOps.intImm(t, t.bits() >= 64 ? Long.MIN_VALUE : -(1L << (t.bits() - 1)));
  }

  /** The highest value of a scalar dtype: +inf for floats, the maximum for integers. */
  public static Expr highest(DType t) {
    if (t.isFloat()) return new FloatImm(t, Double.POSITIVE_INFINITY);
    if (t.isBool()) return IrOps.bool(true);
    if (t.isUInt()) return IrOps.intImm(t, -1L);
    return IrOps.intImm(t, t.bits() >= 64 ? Long.MAX_VALUE : (1L << (t.bits() - 1)) - 1);
  }

  /** A reduction on {@code source} over {@code axis}, optionally only where {@code condition} holds. */
  @FunctionalInterface
  public interface Reducer {
    Expr reduce(Expr source, Expr condition, IterVar... axis);

    default Expr reduce(Expr source, IterVar... axis) { return reduce(source, IrOps.bool(true), axis); }
  }

  /** A reduction must be the whole body of a compute (as in TVM): nested ones cannot be lowered. */
  private static void checkReductionPlacement(Expr body, String name) {
    List<Expr> roots = body instanceof Reduce r ? r.source() : List.of(body);
    StmtExprVisitor v = new StmtExprVisitor() {
      @Override
      public void visit(Expr e) {
        if (e instanceof Reduce) {
          throw CompileException.invalid("compute '%s': a reduction must be the whole body, not nested inside %s",
              name, body);
        }
        super.visit(e);
      }
    };
    roots.forEach(v::visit);
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
