package org.nnvm4j.graph.ops;

import java.util.Arrays;
import java.util.function.IntFunction;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;

/** Inference rules many ops share: one shape or dtype for all inputs and the output. */
public final class OpRules {
  private OpRules() {}

  /** All inputs and the output share one shape; unknown inputs take it from known ones. */
  public static Shape[] sameShape(Shape[] in) { return same(in, "shape", Shape[]::new); }

  /** All inputs and the output share one dtype; unknown inputs take it from known ones. */
  public static DType[] sameType(DType[] in) { return same(in, "dtype", DType[]::new); }

  /** The output has input 0's shape; the other inputs are not constrained here. */
  public static Shape[] firstShape(Shape[] in) { return in[0] == null ? null : new Shape[] {in[0]}; }

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
    Arrays.fill(in, known);
    T[] out = newArray.apply(1);
    out[0] = known;
    return out;
  }

  /** Sets {@code in[i]} to {@code want} when unknown; a different known shape is an error naming input {@code name}. */
  public static void expect(Shape[] in, int i, String name, Shape want) {
    if (in[i] == null) in[i] = want;
    else if (!in[i].equals(want)) throw CompileException.invalid("input %d (%s) has shape %s but %s is expected", i, name, in[i], want);
  }
}
