package org.nnvm4j.graph.ops;

import java.util.List;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.Bitwise;
import org.nnvm4j.tensor.topi.Broadcast;

/** Bit shifts of unsigned integers with NumPy broadcasting: left_shift, right_shift. */
public final class BitOps {
  private BitOps() {}

  public static List<Op> ops() { return List.of(shift("left_shift", true), shift("right_shift", false)); }

  private static Op shift(String name, boolean left) {
    return Op.builder(name).describe("x " + (left ? "<<" : ">>") + " y for unsigned integers, NumPy broadcasting; shifting by the"
            + " bit width or more gives 0.").inputs("lhs", "rhs").pattern(OpPattern.BROADCAST)
        .inferType((a, in) -> {
          DType[] t = OpRules.sameType(in);
          if (t != null && !t[0].isUInt()) throw CompileException.invalid("%s needs unsigned integers, got %s", name, t[0]);
          return t;
        })
        .inferShape((a, in) -> {
          if (in[0] == null || in[1] == null) return null;
          long[] out = Broadcast.shape(in[0].toArray(), in[1].toArray());
          if (out == null) throw CompileException.invalid("shapes %s and %s do not broadcast", in[0], in[1]);
          return new Shape[] {Shape.of(out)};
        })
        .compute((a, in) -> List.of(Broadcast.binary(in.get(0), in.get(1), (x, y) -> Bitwise.shift(x, y, left), name))).build();
  }
}
