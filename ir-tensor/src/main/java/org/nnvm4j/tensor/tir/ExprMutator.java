package org.nnvm4j.tensor.tir;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites expressions bottom-up. Override the {@code visit} method of a node kind to change it;
 * every method returns the same instance when nothing below it changed.
 */
public abstract class ExprMutator {
  public Expr mutate(Expr e) {
    return switch (e) {
      case IntImm n -> n;
      case FloatImm n -> n;
      case StringImm n -> n;
      case Var n -> visit(n);
      case Cast n -> visit(n);
      case BinaryExpr n -> visit(n);
      case Not n -> visit(n);
      case Select n -> visit(n);
      case BufferLoad n -> visit(n);
      case ProducerLoad n -> visit(n);
      case Ramp n -> visit(n);
      case Broadcast n -> visit(n);
      case Call n -> visit(n);
      case Let n -> visit(n);
      case Reduce n -> visit(n);
    };
  }

  protected Expr visit(Var n) { return n; }

  protected Expr visit(Cast n) {
    Expr v = mutate(n.value());
    return v == n.value() ? n : new Cast(n.dtype(), v);
  }

  protected Expr visit(BinaryExpr n) {
    Expr a = mutate(n.a());
    Expr b = mutate(n.b());
    return a == n.a() && b == n.b() ? n : rebuild(n, a, b);
  }

  protected Expr visit(Not n) {
    Expr a = mutate(n.a());
    return a == n.a() ? n : new Not(a);
  }

  protected Expr visit(Select n) {
    Expr c = mutate(n.condition());
    Expr t = mutate(n.trueValue());
    Expr f = mutate(n.falseValue());
    return c == n.condition() && t == n.trueValue() && f == n.falseValue() ? n : new Select(c, t, f);
  }

  protected Expr visit(BufferLoad n) {
    List<Expr> idx = mutateAll(n.indices());
    return idx == n.indices() ? n : new BufferLoad(n.buffer(), idx);
  }

  protected Expr visit(ProducerLoad n) {
    List<Expr> idx = mutateAll(n.indices());
    return idx == n.indices() ? n : new ProducerLoad(n.producer(), idx);
  }

  protected Expr visit(Ramp n) {
    Expr b = mutate(n.base());
    Expr s = mutate(n.stride());
    return b == n.base() && s == n.stride() ? n : new Ramp(b, s, n.lanes());
  }

  protected Expr visit(Broadcast n) {
    Expr v = mutate(n.value());
    return v == n.value() ? n : new Broadcast(v, n.lanes());
  }

  protected Expr visit(Call n) {
    List<Expr> args = mutateAll(n.args());
    return args == n.args() ? n : new Call(n.dtype(), n.op(), args);
  }

  protected Expr visit(Let n) {
    Expr v = mutate(n.value());
    Expr b = mutate(n.body());
    return v == n.value() && b == n.body() ? n : new Let(n.var(), v, b);
  }

  protected Expr visit(Reduce n) {
    List<Expr> src = mutateAll(n.source());
    Expr c = mutate(n.condition());
    return src == n.source() && c == n.condition() ? n
        : new Reduce(n.combiner(), src, n.axis(), c, n.valueIndex());
  }

  /** Mutates every element; returns {@code list} itself when no element changed. */
  protected List<Expr> mutateAll(List<Expr> list) {
    List<Expr> out = null;
    for (int i = 0; i < list.size(); i++) {
      Expr e = mutate(list.get(i));
      if (e != list.get(i) && out == null) out = new ArrayList<>(list.subList(0, i));
      if (out != null) out.add(e);
    }
    return out == null ? list : out;
  }

  /** The node of {@code n}'s kind with operands {@code a} and {@code b}, built without folding. */
  public static Expr rebuild(BinaryExpr n, Expr a, Expr b) {
    return switch (n) {
      case Add x -> new Add(a, b);
      case Sub x -> new Sub(a, b);
      case Mul x -> new Mul(a, b);
      case Div x -> new Div(a, b);
      case Mod x -> new Mod(a, b);
      case FloorDiv x -> new FloorDiv(a, b);
      case FloorMod x -> new FloorMod(a, b);
      case Min x -> new Min(a, b);
      case Max x -> new Max(a, b);
      case EQ x -> new EQ(a, b);
      case NE x -> new NE(a, b);
      case LT x -> new LT(a, b);
      case LE x -> new LE(a, b);
      case GT x -> new GT(a, b);
      case GE x -> new GE(a, b);
      case And x -> new And(a, b);
      case Or x -> new Or(a, b);
    };
  }
}
