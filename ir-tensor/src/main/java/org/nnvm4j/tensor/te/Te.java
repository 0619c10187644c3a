package org.nnvm4j.tensor.te;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import java.util.function.BinaryOperator;
import java.util.function.BiFunction;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.CommReducer;
import org.nnvm4j.tensor.tir.ProducerLoad;
import org.nnvm4j.tensor.tir.Stmt;
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
    return computeTuple(shape, iv -> List.of(f.apply(iv)), name, tag, attrs).get(0);
  }

  /**
   * A compute with several outputs of one shape, one per body expression (TVM's {@code te.compute} of a
   * lambda returning a tuple): either all bodies are injective, or they are the values of one tuple-valued
   * reduction ({@link TupleReducer}), as returned by it, in order.
   */
  public static List<Tensor> computeTuple(List<? extends Expr> shape, Function<List<Var>, List<Expr>> f, String name,
      String tag, Map<String, Object> attrs) {
    checkShape(shape, name);
    List<IterVar> axis = new ArrayList<>();
    List<Var> vars = new ArrayList<>();
    for (int d = 0; d < shape.size(); d++) {
      Var v = new Var(shape.size() <= 4 ? "ijkl".substring(d, d + 1) : "ax" + d, shape.get(d).dtype());
      vars.add(v);
      axis.add(new IterVar(Range.fromExtent(shape.get(d)), v, IterVar.Kind.DATA_PAR));
    }
    List<Expr> body = List.copyOf(f.apply(List.copyOf(vars)));
    if (body.isEmpty()) throw CompileException.invalid("compute '%s': no output expressions", name);
    Reduce first = body.get(0) instanceof Reduce r ? r : null;
    for (int i = 0; i < body.size(); i++) {
      Expr e = body.get(i);
      checkReductionPlacement(e, name);
      if ((e instanceof Reduce) != (first != null)) {
        throw CompileException.invalid("compute '%s': output %d %s a reduction but output 0 %s; either all outputs are"
            + " the values of one reduction or none is", name, i, e instanceof Reduce ? "is" : "is not", first != null ? "is" : "is not");
      }
      if (e instanceof Reduce r && (r.combiner() != first.combiner() || !r.source().equals(first.source())
          || !r.axis().equals(first.axis()) || !r.condition().equals(first.condition()) || r.valueIndex() != i)) {
        throw CompileException.invalid("compute '%s': output %d is not value %d of the same tuple reduction as output 0;"
            + " pass the list a TupleReducer returned, in order", name, i, i);
      }
    }
    if (first != null && first.combiner().lhs().size() != body.size()) {
      throw CompileException.invalid("compute '%s': %d outputs for a reducer of %d values", name, body.size(),
          first.combiner().lhs().size());
    }
    ComputeOp op = new ComputeOp(name, tag, attrs, axis, body);
    List<Tensor> outs = new ArrayList<>();
    for (int i = 0; i < body.size(); i++) outs.add(op.output(i));
    return List.copyOf(outs);
  }

  /**
   * An operation with a hand-written body (TVM's {@code te.extern}): outputs of the given shapes and dtypes;
   * {@code body} gets one buffer per input (reading it) and one per output (to write) and returns the TIR
   * that computes them, which may allocate buffers of its own and call external functions
   * ({@link IrOps#callExtern}). Every buffer the body touches must be one of those or allocated inside it.
   */
  public static List<Tensor> extern(List<List<? extends Expr>> shapes, List<DType> dtypes, List<Tensor> inputs,
      BiFunction<List<Buffer>, List<Buffer>, Stmt> body, String name) {
    return ExternOp.build(shapes, dtypes, inputs, body, name);
  }

  /**
   * A recurrence over the first axis (TVM's {@code te.scan}): rows {@code [0, init.shape[0])} are
   * {@code init}, and row {@code t} after them is {@code update[t]}, which may read earlier rows only, as
   * {@code state[t - c, ...]} with a constant {@code c >= 1}. {@code state} is a placeholder of the output's
   * shape and dtype; {@code update} has that shape, {@code init} too except a first extent that is a constant
   * no larger than the scan's.
   */
  public static Tensor scan(Tensor init, Tensor update, Tensor state, String name) {
    return ScanOp.build(init, update, state, name);
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
      checkSource(name, source);
      checkAxesAndCondition(name, condition, axis);
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

  /**
   * A tuple-valued commutative reducer (TVM's {@code te.comm_reducer} over several values, e.g. argmax's
   * (index, value)): {@code combine} maps the accumulated values {@code lhs} and the incoming ones
   * {@code rhs} to the new values, and must be commutative and associative; {@code identity} gives the
   * neutral element for the sources' dtypes. The reduction's values become the outputs of one
   * {@link #computeTuple}, which lowering updates together.
   */
  public static TupleReducer tupleReducer(String name, TupleCombiner combine, Function<List<DType>, List<Expr>> identity) {
    return (sources, condition, axis) -> {
      if (sources.isEmpty()) throw CompileException.invalid("reduction '%s' of no values", name);
      List<DType> types = sources.stream().map(Expr::dtype).toList();
      List<Var> lhs = new ArrayList<>();
      List<Var> rhs = new ArrayList<>();
      for (int i = 0; i < sources.size(); i++) {
        checkSource(name, sources.get(i));
        lhs.add(new Var("x" + i, types.get(i)));
        rhs.add(new Var("y" + i, types.get(i)));
      }
      checkAxesAndCondition(name, condition, axis);
      List<Expr> ids = List.copyOf(identity.apply(types));
      List<Expr> result = List.copyOf(combine.combine(List.copyOf(lhs), List.copyOf(rhs)));
      if (ids.size() != types.size() || result.size() != types.size()) {
        throw CompileException.invalid("reduction '%s': %d values but %d identities and %d combined values", name,
            types.size(), ids.size(), result.size());
      }
      for (int i = 0; i < types.size(); i++) {
        if (!ids.get(i).dtype().equals(types.get(i)) || !result.get(i).dtype().equals(types.get(i))) {
          throw CompileException.invalid("reduction '%s': value %d has dtype %s but its identity has %s and its combination %s",
              name, i, types.get(i), ids.get(i).dtype(), result.get(i).dtype());
        }
      }
      CommReducer r = new CommReducer(lhs, rhs, result, ids);
      List<Expr> out = new ArrayList<>();
      for (int i = 0; i < types.size(); i++) out.add(new Reduce(r, sources, List.of(axis), condition, i));
      return List.copyOf(out);
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

  private static void checkSource(String name, Expr source) {
    if (source.dtype().isVector() || source.dtype().isHandle()) {
      throw CompileException.invalid("reduction '%s': source %s has dtype %s; expected a scalar", name, source,
          source.dtype());
    }
  }

  private static void checkAxesAndCondition(String name, Expr condition, IterVar... axis) {
    if (axis.length == 0) throw CompileException.invalid("reduction '%s' over no axis", name);
    for (IterVar iv : axis) {
      if (iv.kind() != IterVar.Kind.COMM_REDUCE) {
        throw CompileException.invalid("reduction '%s': axis '%s' is not a reduce axis; create it with"
            + " Te.reduceAxis", name, iv.var().name());
      }
    }
    if (!condition.dtype().isBool() || condition.dtype().isVector()) {
      throw CompileException.invalid("reduction '%s': condition %s must be a scalar bool", name, condition);
    }
  }

  /** A tuple-valued reduction of {@code sources} over {@code axis}: one {@link Reduce} per value, in order. */
  @FunctionalInterface
  public interface TupleReducer {
    List<Expr> reduce(List<Expr> sources, Expr condition, IterVar... axis);

    default List<Expr> reduce(List<Expr> sources, IterVar... axis) { return reduce(sources, IrOps.bool(true), axis); }
  }

  /** The combination of a tuple reducer: new values from the accumulated ({@code lhs}) and incoming ({@code rhs}) ones. */
  @FunctionalInterface
  public interface TupleCombiner { List<Expr> combine(List<Var> lhs, List<Var> rhs); }

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

  static void checkShape(List<? extends Expr> shape, String name) {
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
