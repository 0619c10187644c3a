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

  /**
   * The output shape [batch, units] of a dense-like op {@code op} over data [batch, features]; the weight is
   * expected to have {@code weight.apply(features)} and a bias (input 2, if any) [units].
   */
  public static Shape[] dense(String op, Shape[] in, long units, java.util.function.LongFunction<Shape> weight) {
    if (in[0] == null) return null;
    if (in[0].rank() != 2) throw CompileException.invalid("%s: data has shape %s; expected [batch, features]", op, in[0]);
    expect(in, 1, "weight", weight.apply(in[0].dim(1)));
    if (in.length > 2) expect(in, 2, "bias", Shape.of(units));
    return new Shape[] {Shape.of(in[0].dim(0), units)};
  }
}
