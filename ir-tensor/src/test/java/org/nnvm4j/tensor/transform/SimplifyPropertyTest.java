package org.nnvm4j.tensor.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.tir.*;

/**
 * Properties of {@link Simplify} on random int32 expressions over loop vars with small ranges and one
 * let-bound var the simplifier knows nothing about: it preserves values (checked with the interpreter),
 * it is idempotent, and an identity mutator returns the same instances. The expressions include the lazy
 * {@code if_then_else} (also guarding divisions by values that may be zero) and {@code popcount}.
 */
class SimplifyPropertyTest {
  private static final Var X = new Var("x", DType.I32);
  private static final Var Y = new Var("y", DType.I32);
  private static final Var Z = new Var("z", DType.I32);
  private static final Var W = new Var("w", DType.I32);
  private static final int NX = 4;
  private static final int NY = 5;
  private static final int YMIN = -2;
  private static final int NZ = 6;
  private static final Buffer OUT = Buffer.of("out", DType.I32, List.of(IrOps.i32((long) NX * NY * NZ)));

  @Provide
  Arbitrary<Expr> exprs() { return expr(4); }

  @Provide
  Arbitrary<Integer> wValues() { return Arbitraries.of(0, 7, -13, 1000003, Integer.MAX_VALUE - 1, Integer.MIN_VALUE + 3); }

  private static Arbitrary<Expr> leaf() {
    return Arbitraries.oneOf(Arbitraries.of(X, Y, Z, W).map(v -> (Expr) v),
        Arbitraries.integers().between(-9, 9).map(IrOps::i32));
  }

  private static Arbitrary<Expr> expr(int depth) {
    if (depth == 0) return leaf();
    Arbitrary<Expr> sub = expr(depth - 1);
    Arbitrary<Expr> divisor = Arbitraries.of(-3, -2, 1, 2, 3, 4, 8).map(IrOps::i32);
    Arbitrary<Expr> arith = Combinators.combine(sub, sub, Arbitraries.integers().between(0, 6)).as((a, b, op) -> switch (op) {
      case 0 -> new Add(a, b);
      case 1 -> new Sub(a, b);
      case 2 -> new Mul(a, b);
      case 3 -> new Min(a, b);
      case 4 -> new Max(a, b);
      case 5 -> new Add(new Mul(new FloorDiv(a, IrOps.i32(3)), IrOps.i32(3)), new FloorMod(a, IrOps.i32(3)));
      default -> new Add(new Mul(a, IrOps.i32(4)), b);
    });
    Arbitrary<Expr> div = Combinators.combine(sub, divisor, Arbitraries.integers().between(0, 3)).as((a, c, op) -> switch (op) {
      case 0 -> new FloorDiv(a, c);
      case 1 -> new FloorMod(a, c);
      case 2 -> new Div(a, c);
      default -> new Mod(a, c);
    });
    Arbitrary<Expr> select = Combinators.combine(condition(sub), sub, sub).as(Select::new);
    // if_then_else is lazy: guarding a division by a possibly zero value must never evaluate it
    Arbitrary<Expr> ite = Combinators.combine(condition(sub), sub, sub, Arbitraries.of(false, true)).as((c, a, b, guard) -> guard
        ? new Call(DType.I32, Intrinsics.IF_THEN_ELSE, List.of(new NE(b, IrOps.i32(0)), new Div(a, b), IrOps.i32(0)))
        : new Call(DType.I32, Intrinsics.IF_THEN_ELSE, List.of(c, a, b)));
    Arbitrary<Expr> popcount = sub.map(a -> new Call(DType.I32, Intrinsics.POPCOUNT, List.of(a)));
    return Arbitraries.frequencyOf(Tuple.of(2, leaf()), Tuple.of(4, arith), Tuple.of(3, div), Tuple.of(1, select),
        Tuple.of(1, ite), Tuple.of(1, popcount));
  }

  private static Arbitrary<Expr> condition(Arbitrary<Expr> sub) {
    return Combinators.combine(sub, sub, Arbitraries.integers().between(0, 5)).as((a, b, op) -> switch (op) {
      case 0 -> new LT(a, b);
      case 1 -> new LE(a, b);
      case 2 -> new GT(a, b);
      case 3 -> new GE(a, b);
      case 4 -> new EQ(a, b);
      default -> new NE(a, b);
    });
  }

  /** {@code let w = wv in for x, y, z: if (cond) out[...] = e else out[...] = -e}. */
  private static Stmt program(Expr e, Expr cond, int wv) {
    Expr index = new Add(new Mul(new Add(new Mul(X, IrOps.i32(NY)), new Sub(Y, IrOps.i32(YMIN))), IrOps.i32(NZ)), Z);
    Stmt store = new IfThenElse(cond, new BufferStore(OUT, e, List.of(index)),
        new BufferStore(OUT, new Sub(IrOps.i32(0), e), List.of(index)));
    Stmt loops = new For(X, IrOps.i32(0), IrOps.i32(NX), ForKind.SERIAL,
        new For(Y, IrOps.i32(YMIN), IrOps.i32(NY), ForKind.SERIAL, new For(Z, IrOps.i32(0), IrOps.i32(NZ), ForKind.SERIAL, store)));
    return new LetStmt(W, IrOps.i32(wv), loops);
  }

  private static int[] run(Stmt body) {
    PrimFunc f = new PrimFunc("p", List.of(OUT), List.of(), body, Map.of());
    try (NDArray out = NDArray.allocate(DType.I32, Shape.of((long) NX * NY * NZ))) {
      out.copyFrom(NDArray.of(new int[NX * NY * NZ], Shape.of((long) NX * NY * NZ)));
      Interpreter.run(f, List.of(out));
      return out.toIntArray();
    }
  }

  @Property(tries = 400)
  void simplifyPreservesValues(@ForAll("exprs") Expr e, @ForAll("exprs") Expr a, @ForAll("exprs") Expr b,
      @ForAll("wValues") int w) {
    Stmt p = program(e, new LT(a, b), w);
    Stmt s = Simplify.apply(p);
    assertThat(run(s)).as("before:\n%s\nafter:\n%s", TirPrinter.print(p), TirPrinter.print(s)).containsExactly(run(p));
  }

  @Property(tries = 400)
  void simplifyIsIdempotent(@ForAll("exprs") Expr e, @ForAll("exprs") Expr a, @ForAll("exprs") Expr b) {
    Stmt once = Simplify.apply(program(e, new LE(a, b), 5));
    Stmt twice = Simplify.apply(once);
    assertThat(StructuralEqual.equal(twice, once)).as("once:\n%s\ntwice:\n%s", TirPrinter.print(once),
        TirPrinter.print(twice)).isTrue();
    assertThat(twice).isSameAs(once);
    Expr se = Simplify.apply(e);
    assertThat(Simplify.apply(se)).as("%s", TirPrinter.print(se)).isSameAs(se);
  }

  @Property(tries = 200)
  void mutatorThatChangesNothingReturnsTheSameInstance(@ForAll("exprs") Expr e, @ForAll("exprs") Expr a) {
    Stmt p = program(e, new GT(a, e), 1);
    assertThat(new StmtMutator() {}.mutate(p)).isSameAs(p);
    assertThat(new ExprMutator() {}.mutate(e)).isSameAs(e);
  }
}
