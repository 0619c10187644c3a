package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.floatAttr;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
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

  private static Op.Builder scalarOp(String name, String doc) {
    return Op.builder(name).describe(doc).attr("scalar", null, "the scalar operand", OpAttrs.FLOAT);
  }

  private static Op binary(String name, String doc, BinaryOperator<Expr> f) {
    return Op.builder(name).describe(doc).inputs("lhs", "rhs").pattern(OpPattern.ELEMWISE)
        .inferShape((attrs, in) -> OpRules.sameShape(in)).inferType((attrs, in) -> OpRules.sameType(in))
        .compute((attrs, in) -> List.of(Elemwise.binary(in.get(0), in.get(1), f, name))).build();
  }

  private static Op broadcast(String name, String doc, BinaryOperator<Expr> f) {
    return Op.builder(name).describe(doc).inputs("lhs", "rhs").pattern(OpPattern.BROADCAST)
        .inferShape((attrs, in) -> {
          if (in[0] == null || in[1] == null) return null;
          long[] out = Broadcast.shape(in[0].toArray(), in[1].toArray());
          if (out == null) throw CompileException.invalid("shapes %s and %s do not broadcast", in[0], in[1]);
          return new Shape[] {Shape.of(out)};
        })
        .inferType((attrs, in) -> OpRules.sameType(in))
        .compute((attrs, in) -> List.of(Broadcast.binary(in.get(0), in.get(1), f, name))).build();
  }

  private static Op unary(String name, String doc, UnaryOperator<Expr> f) {
    return withAttrs(name, Op.builder(name).describe(doc), (x, a) -> f.apply(x));
  }

  private static Op withAttrs(String name, Op.Builder b, WithAttrs f) {
    return b.inputs("data").pattern(OpPattern.ELEMWISE)
        .inferShape((attrs, in) -> OpRules.sameShape(in)).inferType((attrs, in) -> OpRules.sameType(in))
        .compute((attrs, in) -> List.of(Elemwise.unary(in.get(0), x -> f.apply(x, attrs), name))).build();
  }
}
