package org.nnvm4j.tensor.tir;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Alpha-equivalence of IR: two trees are equal when they have the same shape and their vars and
 * buffers correspond one to one (a var free in both must map consistently; vars bound by a loop, let
 * or allocation are matched at their binding).
 */
public final class StructuralEqual {
  private final Map<Object, Object> map = new IdentityHashMap<>();
  private final Map<Object, Object> back = new IdentityHashMap<>();

  private StructuralEqual() {}

  public static boolean equal(Expr a, Expr b) { return new StructuralEqual().expr(a, b); }

  public static boolean equal(Stmt a, Stmt b) { return new StructuralEqual().stmt(a, b); }

  public static boolean equal(PrimFunc a, PrimFunc b) {
    StructuralEqual eq = new StructuralEqual();
    if (a.buffers().size() != b.buffers().size() || a.scalarParams().size() != b.scalarParams().size()) return false;
    for (int i = 0; i < a.scalarParams().size(); i++) {
      if (!eq.bind(a.scalarParams().get(i), b.scalarParams().get(i))) return false;
    }
    for (int i = 0; i < a.buffers().size(); i++) if (!eq.buffer(a.buffers().get(i), b.buffers().get(i))) return false;
    return eq.stmt(a.body(), b.body());
  }

  private boolean bind(Object x, Object y) {
    Object m = map.get(x);
    Object r = back.get(y);
    if (m == null && r == null) {
      map.put(x, y);
      back.put(y, x);
      return true;
    }
    return m == y && r == x;
  }

  private boolean var(Var x, Var y) { return x.dtype().equals(y.dtype()) && bind(x, y); }

  private boolean buffer(Buffer x, Buffer y) {
    if (map.get(x) == y) return true;
    return x.dtype().equals(y.dtype()) && x.scope().equals(y.scope()) && exprs(x.shape(), y.shape()) && bind(x, y);
  }

  private boolean exprs(List<Expr> x, List<Expr> y) {
    if (x.size() != y.size()) return false;
    for (int i = 0; i < x.size(); i++) if (!expr(x.get(i), y.get(i))) return false;
    return true;
  }

  private boolean expr(Expr a, Expr b) {
    if (a == b) return true;
    if (a.getClass() != b.getClass() || !a.dtype().equals(b.dtype())) return false;
    return switch (a) {
      case IntImm x -> x.value() == ((IntImm) b).value();
      case FloatImm x -> Double.compare(x.value(), ((FloatImm) b).value()) == 0;
      case StringImm x -> x.value().equals(((StringImm) b).value());
      case Var x -> var(x, (Var) b);
      case Cast x -> expr(x.value(), ((Cast) b).value());
      case BinaryExpr x -> expr(x.a(), ((BinaryExpr) b).a()) && expr(x.b(), ((BinaryExpr) b).b());
      case Not x -> expr(x.a(), ((Not) b).a());
      case Select x -> {
        Select y = (Select) b;
        yield expr(x.condition(), y.condition()) && expr(x.trueValue(), y.trueValue())
            && expr(x.falseValue(), y.falseValue());
      }
      case BufferLoad x -> buffer(x.buffer(), ((BufferLoad) b).buffer()) && exprs(x.indices(), ((BufferLoad) b).indices());
      case ProducerLoad x -> x.producer() == ((ProducerLoad) b).producer()
          && exprs(x.indices(), ((ProducerLoad) b).indices());
      case Ramp x -> x.lanes() == ((Ramp) b).lanes() && expr(x.base(), ((Ramp) b).base())
          && expr(x.stride(), ((Ramp) b).stride());
      case Broadcast x -> x.lanes() == ((Broadcast) b).lanes() && expr(x.value(), ((Broadcast) b).value());
      case Call x -> x.op().equals(((Call) b).op()) && exprs(x.args(), ((Call) b).args());
      case Let x -> {
        Let y = (Let) b;
        yield expr(x.value(), y.value()) && var(x.var(), y.var()) && expr(x.body(), y.body());
      }
      case Reduce x -> {
        Reduce y = (Reduce) b;
        boolean axes = x.axis().size() == y.axis().size();
        for (int i = 0; axes && i < x.axis().size(); i++) axes = var(x.axis().get(i).var(), y.axis().get(i).var());
        yield axes && x.valueIndex() == y.valueIndex() && x.combiner().equals(y.combiner())
            && exprs(x.source(), y.source()) && expr(x.condition(), y.condition());
      }
    };
  }

  private boolean stmt(Stmt a, Stmt b) {
    if (a == b) return true;
    if (a == null || b == null || a.getClass() != b.getClass()) return false;
    return switch (a) {
      case LetStmt x -> {
        LetStmt y = (LetStmt) b;
        yield expr(x.value(), y.value()) && var(x.var(), y.var()) && stmt(x.body(), y.body());
      }
      case AttrStmt x -> {
        AttrStmt y = (AttrStmt) b;
        yield x.key().equals(y.key()) && expr(x.value(), y.value()) && stmt(x.body(), y.body());
      }
      case AssertStmt x -> {
        AssertStmt y = (AssertStmt) b;
        yield Objects.equals(x.message(), y.message()) && expr(x.condition(), y.condition()) && stmt(x.body(), y.body());
      }
      case For x -> {
        For y = (For) b;
        yield x.kind() == y.kind() && x.threadTag().equals(y.threadTag()) && expr(x.min(), y.min())
            && expr(x.extent(), y.extent()) && var(x.loopVar(), y.loopVar()) && stmt(x.body(), y.body());
      }
      case IfThenElse x -> {
        IfThenElse y = (IfThenElse) b;
        yield expr(x.condition(), y.condition()) && stmt(x.thenCase(), y.thenCase()) && stmt(x.elseCase(), y.elseCase());
      }
      case SeqStmt x -> {
        SeqStmt y = (SeqStmt) b;
        boolean same = x.seq().size() == y.seq().size();
        for (int i = 0; same && i < x.seq().size(); i++) same = stmt(x.seq().get(i), y.seq().get(i));
        yield same;
      }
      case BufferStore x -> {
        BufferStore y = (BufferStore) b;
        yield buffer(x.buffer(), y.buffer()) && expr(x.value(), y.value()) && exprs(x.indices(), y.indices());
      }
      case Allocate x -> buffer(x.buffer(), ((Allocate) b).buffer()) && stmt(x.body(), ((Allocate) b).body());
      case Evaluate x -> expr(x.value(), ((Evaluate) b).value());
    };
  }
}
