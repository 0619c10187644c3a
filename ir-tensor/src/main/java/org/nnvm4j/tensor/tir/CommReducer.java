package org.nnvm4j.tensor.tir;

import java.util.List;
import org.nnvm4j.pass.diag.InternalCompilerError;

/**
 * A commutative reducer: {@code result = combine(lhs, rhs)} with identity elements; tuple-valued when
 * it has several lhs/rhs vars (argmax carries (index, value)).
 */
public record CommReducer(List<Var> lhs, List<Var> rhs, List<Expr> result, List<Expr> identity) {
  public CommReducer {
    lhs = List.copyOf(lhs);
    rhs = List.copyOf(rhs);
    result = List.copyOf(result);
    identity = List.copyOf(identity);
    InternalCompilerError.check(lhs.size() == rhs.size() && lhs.size() == result.size()
        && lhs.size() == identity.size(), "CommReducer arity mismatch");
  }
}
