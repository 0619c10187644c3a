package org.nnvm4j.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.topi.Elemwise;

/** The ops nnvm4j registers itself (NNVM level 1 element-wise ops so far). */
public final class BuiltinOps implements OpProvider {
  @Override
  public List<Op> ops() {
    List<Op> ops = new ArrayList<>();
    ops.add(binary("elemwise_add", "Element-wise sum of two tensors of one shape.", IrOps::add));
    ops.add(binary("elemwise_sub", "Element-wise difference of two tensors of one shape.", IrOps::sub));
    ops.add(binary("elemwise_mul", "Element-wise product of two tensors of one shape.", IrOps::mul));
    ops.add(binary("elemwise_div", "Element-wise quotient of two tensors of one shape.", IrOps::div));
    ops.add(unary("relu", "max(x, 0) element-wise.", x -> IrOps.max(x, IrOps.zero(x.dtype()))));
    ops.add(unary("negative", "-x element-wise.", x -> IrOps.sub(IrOps.zero(x.dtype()), x)));
    ops.add(unary("copy", "Copies the tensor.", x -> x));
    ops.add(unary("exp", "e^x element-wise.", x -> IrOps.call(x.dtype(), "exp", x)));
    ops.add(unary("sigmoid", "1 / (1 + e^-x) element-wise.", x -> IrOps.call(x.dtype(), "sigmoid", x)));
    ops.add(unary("tanh", "tanh(x) element-wise.", x -> IrOps.call(x.dtype(), "tanh", x)));
    return ops;
  }

  private static Op binary(String name, String doc, BinaryOperator<Expr> f) {
    return Op.builder(name).describe(doc).inputs("lhs", "rhs").pattern(OpPattern.ELEMWISE)
        .inferShape((attrs, in) -> sameShape(in)).inferType((attrs, in) -> sameType(in))
        .compute((attrs, in) -> List.of(Elemwise.binary(in.get(0), in.get(1), f, name))).build();
  }

  private static Op unary(String name, String doc, UnaryOperator<Expr> f) {
    return Op.builder(name).describe(doc).inputs("data").pattern(OpPattern.ELEMWISE)
        .inferShape((attrs, in) -> sameShape(in)).inferType((attrs, in) -> sameType(in))
        .compute((attrs, in) -> List.of(Elemwise.unary(in.get(0), f, name))).build();
  }

  /** All inputs and the output share one shape; unknown inputs take it from known ones. */
  static Shape[] sameShape(Shape[] in) { return same(in, "shape", Shape[]::new); }

  /** All inputs and the output share one dtype; unknown inputs take it from known ones. */
  static DType[] sameType(DType[] in) { return same(in, "dtype", DType[]::new); }

  private static <T> T[] same(T[] in, String what, IntFunction<T[]> newArray) {
    T known = null;
    int from = -1;
    for (int i = 0; i < in.length; i++) {
      if (in[i] == null) continue;
      if (known == null) {
        known = in[i];
        from = i;
      } else if (!known.equals(in[i])) {
        throw CompileException.invalid("input %d has %s %s but input %d has %s %s", from, what, known, i, what, in[i]);
      }
    }
    if (known == null) return null;
    java.util.Arrays.fill(in, known);
    T[] out = newArray.apply(1);
    out[0] = known;
    return out;
  }
}
