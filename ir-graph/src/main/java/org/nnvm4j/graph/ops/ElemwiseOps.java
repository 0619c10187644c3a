package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.floatAttr;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import org.nnvm4j.graph.LayoutRule;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.topi.Broadcast;
import org.nnvm4j.tensor.topi.Elemwise;

/** Element-wise and broadcasting ops (NNVM levels 1 and 3): arithmetic, activations, scalar ops, clip. */
public final class ElemwiseOps {
  private ElemwiseOps() {}

  /** The function of a scalar-attribute op: {@code f(x, attrs)}. */
  private interface WithAttrs { Expr apply(Expr x, java.util.Map<String, String> attrs); }

  public static List<Op> ops() {
    List<Op> ops = new ArrayList<>();
    ops.add(binary("elemwise_add", "Element-wise sum of two tensors of one shape.", IrOps::add));
    ops.add(binary("elemwise_sub", "Element-wise difference of two tensors of one shape.", IrOps::sub));
    ops.add(binary("elemwise_mul", "Element-wise product of two tensors of one shape.", IrOps::mul));
    ops.add(binary("elemwise_div", "Element-wise quotient of two tensors of one shape.", IrOps::div));
    ops.add(broadcast("broadcast_add", "Sum with NumPy broadcasting.", IrOps::add));
    ops.add(broadcast("broadcast_sub", "Difference with NumPy broadcasting.", IrOps::sub));
    ops.add(broadcast("broadcast_mul", "Product with NumPy broadcasting.", IrOps::mul));
    ops.add(broadcast("broadcast_div", "Quotient with NumPy broadcasting.", IrOps::div));
    ops.add(unary("relu", "max(x, 0) element-wise.", x -> IrOps.max(x, IrOps.zero(x.dtype()))));
    ops.add(unary("negative", "-x element-wise.", x -> IrOps.sub(IrOps.zero(x.dtype()), x)));
    ops.add(unary("copy", "Copies the tensor.", x -> x));
    ops.add(unary("exp", "e^x element-wise.", x -> IrOps.call(x.dtype(), "exp", x)));
    ops.add(unary("log", "ln(x) element-wise.", x -> IrOps.call(x.dtype(), "log", x)));
    ops.add(unary("sqrt", "sqrt(x) element-wise.", x -> IrOps.call(x.dtype(), "sqrt", x)));
    ops.add(unary("sigmoid", "1 / (1 + e^-x) element-wise.", x -> IrOps.call(x.dtype(), "sigmoid", x)));
    ops.add(unary("tanh", "tanh(x) element-wise.", x -> IrOps.call(x.dtype(), "tanh", x)));
    for (String f : List.of("floor", "ceil", "round", "trunc", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh",
        "acosh", "atanh", "erf")) {
      ops.add(unary(f, f + "(x) element-wise" + (f.equals("round") ? ", halves to even." : "."), x -> IrOps.call(x.dtype(), f, x)));
    }
    ops.add(unary("abs", "|x| element-wise.", x -> x.dtype().isFloat() ? IrOps.call(x.dtype(), "fabs", x)
        : IrOps.select(IrOps.lt(x, IrOps.zero(x.dtype())), IrOps.sub(IrOps.zero(x.dtype()), x), x)));
    ops.add(unary("sign", "-1, 0 or 1 by the sign of x, element-wise.", x -> IrOps.select(IrOps.gt(x, IrOps.zero(x.dtype())),
        IrOps.one(x.dtype()), IrOps.select(IrOps.lt(x, IrOps.zero(x.dtype())), IrOps.constant(x.dtype(), -1), IrOps.zero(x.dtype())))));
    ops.add(predicate("logical_not", "!x element-wise (bool).", x -> IrOps.not(IrOps.ne(x, IrOps.zero(x.dtype())))));
    ops.add(predicate("isnan", "x != x element-wise (bool).", x -> IrOps.ne(x, x)));
    ops.add(withAttrs("cast", Op.builder("cast").describe("Converts to dtype element-wise; to bool means x != 0.")
        .attr("dtype", null, "the target dtype", DTYPE), (x, a) -> cast(x, DType.parse(a.get("dtype"))),
        (a, in) -> in[0] == null ? null : new DType[] {DType.parse(a.get("dtype"))}));
    ops.add(broadcast("broadcast_max", "Maximum with NumPy broadcasting.", IrOps::max));
    ops.add(broadcast("broadcast_min", "Minimum with NumPy broadcasting.", IrOps::min));
    ops.add(broadcast("broadcast_pow", "a^b with NumPy broadcasting (integers through float64).", ElemwiseOps::pow));
    ops.add(broadcast("broadcast_mod", "Remainder with the sign of the dividend (C fmod), NumPy broadcasting.", IrOps::mod));
    ops.add(broadcast("broadcast_floor_mod", "Remainder with the sign of the divisor, NumPy broadcasting.", IrOps::floorMod));
    ops.add(comparison("broadcast_equal", "a == b (bool) with NumPy broadcasting.", IrOps::eq));
    ops.add(comparison("broadcast_not_equal", "a != b (bool) with NumPy broadcasting.", IrOps::ne));
    ops.add(comparison("broadcast_greater", "a > b (bool) with NumPy broadcasting.", IrOps::gt));
    ops.add(comparison("broadcast_less", "a < b (bool) with NumPy broadcasting.", IrOps::lt));
    ops.add(comparison("broadcast_greater_equal", "a >= b (bool) with NumPy broadcasting.", IrOps::ge));
    ops.add(comparison("broadcast_less_equal", "a <= b (bool) with NumPy broadcasting.", IrOps::le));
    ops.add(comparison("broadcast_logical_and", "a && b (bool) with NumPy broadcasting.", (a, b) -> IrOps.and(truth(a), truth(b))));
    ops.add(comparison("broadcast_logical_or", "a || b (bool) with NumPy broadcasting.", (a, b) -> IrOps.or(truth(a), truth(b))));
    ops.add(comparison("broadcast_logical_xor", "a != b as truth values (bool) with NumPy broadcasting.",
        (a, b) -> IrOps.ne(truth(a), truth(b))));
    ops.add(Op.builder("where").describe("cond ? x : y element-wise with NumPy broadcasting of all three.")
        .inputs("condition", "x", "y").pattern(OpPattern.BROADCAST)
        .inferShape((attrs, in) -> {
          if (in[0] == null || in[1] == null || in[2] == null) return null;
          long[] xy = Broadcast.shape(in[1].toArray(), in[2].toArray());
          long[] out = xy == null ? null : Broadcast.shape(in[0].toArray(), xy);
          if (out == null) throw CompileException.invalid("shapes %s, %s and %s do not broadcast", in[0], in[1], in[2]);
          return new Shape[] {Shape.of(out)};
        })
        .inferType((attrs, in) -> {
          if (in[1] == null || in[2] == null) return null;
          if (!in[1].equals(in[2])) throw CompileException.invalid("x has dtype %s but y has %s", in[1], in[2]);
          return new DType[] {in[1]};
        })
        .compute((attrs, in) -> List.of(Broadcast.where(in.get(0), in.get(1), in.get(2), "where"))).build());
    ops.add(withAttrs("__add_scalar__", scalarOp("__add_scalar__", "x + scalar element-wise."),
        (x, a) -> IrOps.add(x, IrOps.constant(x.dtype(), floatAttr(a, "scalar")))));
    ops.add(withAttrs("__mul_scalar__", scalarOp("__mul_scalar__", "x * scalar element-wise."),
        (x, a) -> IrOps.mul(x, IrOps.constant(x.dtype(), floatAttr(a, "scalar")))));
    ops.add(withAttrs("__rdiv_scalar__", scalarOp("__rdiv_scalar__", "scalar / x element-wise."),
        (x, a) -> IrOps.div(IrOps.constant(x.dtype(), floatAttr(a, "scalar")), x)));
    ops.add(withAttrs("clip", Op.builder("clip").describe("min(max(x, a_min), a_max) element-wise.")
        .attr("a_min", null, "lower bound", OpAttrs.FLOAT).attr("a_max", null, "upper bound", OpAttrs.FLOAT),
        (x, a) -> IrOps.min(IrOps.max(x, IrOps.constant(x.dtype(), floatAttr(a, "a_min"))),
            IrOps.constant(x.dtype(), floatAttr(a, "a_max")))));
    ops.add(withAttrs("leaky_relu", Op.builder("leaky_relu").describe("x if x > 0 else alpha * x, element-wise.")
        .attr("alpha", "0.25", "slope for x < 0", OpAttrs.FLOAT),
        (x, a) -> IrOps.select(IrOps.gt(x, IrOps.zero(x.dtype())), x,
            IrOps.mul(x, IrOps.constant(x.dtype(), floatAttr(a, "alpha"))))));
    return ops;
  }

  /** Checks for a dtype name ({@code float32}, {@code int64}, {@code bool}, ...). */
  static final Op.AttrCheck DTYPE = DType::parse;

  /** {@code x} converted to {@code t}; to bool is {@code x != 0} (a plain conversion would truncate 0.5 to false). */
  static Expr cast(Expr x, DType t) {
    return t.equals(DType.BOOL) ? truth(x) : IrOps.cast(t, x);
  }

  /** {@code x != 0} as bool; bool stays as it is. */
  private static Expr truth(Expr x) { return x.dtype().equals(DType.BOOL) ? x : IrOps.ne(x, IrOps.zero(x.dtype())); }

  /** {@code a^b}: the {@code pow} intrinsic for floats, through float64 for integers. */
  private static Expr pow(Expr a, Expr b) {
    if (a.dtype().isFloat()) return IrOps.call(a.dtype(), "pow", a, b);
    return IrOps.cast(a.dtype(), IrOps.call(DType.F64, "pow", IrOps.cast(DType.F64, a), IrOps.cast(DType.F64, b)));
  }

  private static Op.Builder scalarOp(String name, String doc) {
    return Op.builder(name).describe(doc).attr("scalar", null, "the scalar operand", OpAttrs.FLOAT);
  }

  private static Op binary(String name, String doc, BinaryOperator<Expr> f) {
    return Op.builder(name).describe(doc).inputs("lhs", "rhs").pattern(OpPattern.ELEMWISE)
        .inferShape((attrs, in) -> OpRules.sameShape(in)).inferType((attrs, in) -> OpRules.sameType(in))
        .compute((attrs, in) -> List.of(Elemwise.binary(in.get(0), in.get(1), f, name))).build();
  }

  private static Op broadcast(String name, String doc, BinaryOperator<Expr> f) { return broadcast(name, doc, f, false); }

  /** A broadcasting predicate: operands of one dtype, a bool result. */
  private static Op comparison(String name, String doc, BinaryOperator<Expr> f) { return broadcast(name, doc, f, true); }

  /** An element-wise op whose result is bool, whatever the input dtype. */
  private static Op predicate(String name, String doc, UnaryOperator<Expr> f) {
    return withAttrs(name, Op.builder(name).describe(doc), (x, a) -> f.apply(x),
        (a, in) -> in[0] == null ? null : new DType[] {DType.BOOL});
  }

  private static Op broadcast(String name, String doc, BinaryOperator<Expr> f, boolean boolResult) {
    return Op.builder(name).describe(doc).inputs("lhs", "rhs").pattern(OpPattern.BROADCAST).layout(LayoutRule.BROADCAST)
        .inferShape((attrs, in) -> {
          if (in[0] == null || in[1] == null) return null;
          long[] out = Broadcast.shape(in[0].toArray(), in[1].toArray());
          if (out == null) throw CompileException.invalid("shapes %s and %s do not broadcast", in[0], in[1]);
          return new Shape[] {Shape.of(out)};
        })
        .inferType((attrs, in) -> {
          DType[] t = OpRules.sameType(in);
          return t == null || !boolResult ? t : new DType[] {DType.BOOL};
        })
        .compute((attrs, in) -> List.of(Broadcast.binary(in.get(0), in.get(1), f, name))).build();
  }

  private static Op unary(String name, String doc, UnaryOperator<Expr> f) {
    return withAttrs(name, Op.builder(name).describe(doc), (x, a) -> f.apply(x));
  }

  private static Op withAttrs(String name, Op.Builder b, WithAttrs f) {
    return withAttrs(name, b, f, (attrs, in) -> OpRules.sameType(in));
  }

  private static Op withAttrs(String name, Op.Builder b, WithAttrs f, Op.InferType type) {
    return b.inputs("data").pattern(OpPattern.ELEMWISE)
        .inferShape((attrs, in) -> OpRules.sameShape(in)).inferType(type)
        .compute((attrs, in) -> List.of(Elemwise.unary(in.get(0), x -> f.apply(x, attrs), name))).build();
  }
}
