package org.nnvm4j.tensor.tir;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.nnvm4j.tensor.DType;

/**
 * Prints TIR as text in the style of {@code tvm.lower(..., simple_mode=True)}. The text is stable
 * (golden tests compare it): vars that share a name hint get suffixes {@code _1}, {@code _2}, ...
 * in order of first appearance. Subclasses (C-like source backends) override the protected hooks.
 */
public class TirPrinter {
  private final Map<Object, String> names = new IdentityHashMap<>();
  private final Map<String, Integer> used = new HashMap<>();
  protected final StringBuilder out = new StringBuilder();
  protected int indent;
  /** Whether the statement printed next is followed by others in its sequence. */
  private boolean braceScope;

  /** The text of a whole function. */
  public static String print(PrimFunc f) {
    TirPrinter p = new TirPrinter();
    p.printFunc(f);
    return p.out.toString();
  }

  public static String print(Stmt s) {
    TirPrinter p = new TirPrinter();
    p.printStmt(s);
    return p.out.toString();
  }

  public static String print(Expr e) { return new TirPrinter().expr(e); }

  protected void printFunc(PrimFunc f) {
    for (Buffer b : f.buffers()) nameOf(b);
    String params = f.buffers().stream()
        .map(b -> nameOf(b) + ": Buffer(" + b.dtype() + ", [" + exprs(b.shape()) + "])")
        .collect(Collectors.joining(", "));
    String scalars = f.scalarParams().stream().map(v -> nameOf(v) + ": " + v.dtype()).collect(Collectors.joining(", "));
    out.append("primfn ").append(f.name()).append('(').append(params);
    if (!scalars.isEmpty()) out.append(params.isEmpty() ? "" : ", ").append(scalars);
    out.append(") {\n");
    indent++;
    printStmt(f.body());
    indent--;
    out.append("}\n");
  }

  protected void printStmt(Stmt s) {
    boolean brace = braceScope;
    braceScope = false;
    switch (s) {
      case LetStmt n -> scoped("let " + nameOf(n.var()) + " = " + expr(n.value()), n.body(), brace);
      case AttrStmt n -> scoped("// attr [" + (n.node() instanceof Var v ? nameOf(v) : n.node() instanceof Buffer b
          ? nameOf(b) : String.valueOf(n.node())) + "] " + n.key() + " = " + expr(n.value()), n.body(), brace);
      case AssertStmt n -> scoped("assert(" + expr(n.condition()) + ", \"" + n.message() + "\")", n.body(), brace);
      case For n -> {
        String head = n.kind() == ForKind.THREAD_BINDING
            ? "launch_thread (" + n.threadTag() + ": " + nameOf(n.loopVar())
            : n.kind().prefix() + "for (" + nameOf(n.loopVar());
        block(head + ", " + expr(n.min()) + ", " + expr(n.extent()) + ")", n.body());
      }
      case IfThenElse n -> {
        line("if (" + expr(n.condition()) + ") {");
        nested(n.thenCase());
        if (n.elseCase() != null) {
          line("} else {");
          nested(n.elseCase());
        }
        line("}");
      }
      case SeqStmt n -> {
        for (int i = 0; i < n.seq().size(); i++) {
          braceScope = i < n.seq().size() - 1;
          printStmt(n.seq().get(i));
        }
      }
      case BufferStore n -> line(nameOf(n.buffer()) + "[" + exprs(n.indices()) + "] = " + expr(n.value()));
      case Allocate n -> {
        Buffer b = n.buffer();
        scoped("allocate " + nameOf(b) + "[" + b.dtype() + " * " + b.shape().stream().map(this::expr)
            .collect(Collectors.joining(" * ")) + "], storage_scope = " + b.scope(), n.body(), brace);
      }
      case Evaluate n -> line(expr(n.value()));
    }
  }

  /** The text of an expression. */
  protected String expr(Expr e) {
    return switch (e) {
      case IntImm n -> intText(n);
      case FloatImm n -> floatText(n);
      case StringImm n -> "\"" + n.value() + "\"";
      case Var n -> nameOf(n);
      case Cast n -> n.dtype() + "(" + expr(n.value()) + ")";
      case BinaryExpr n -> n.isFunctionStyle() ? n.symbol() + "(" + expr(n.a()) + ", " + expr(n.b()) + ")"
          : "(" + expr(n.a()) + " " + n.symbol() + " " + expr(n.b()) + ")";
      case Not n -> "!" + expr(n.a());
      case Select n -> "select(" + expr(n.condition()) + ", " + expr(n.trueValue()) + ", " + expr(n.falseValue()) + ")";
      case BufferLoad n -> nameOf(n.buffer()) + "[" + exprs(n.indices()) + "]";
      case ProducerLoad n -> n.producer().name() + "[" + exprs(n.indices()) + "]";
      case Ramp n -> "ramp(" + expr(n.base()) + ", " + expr(n.stride()) + ", " + n.lanes() + ")";
      case Broadcast n -> "broadcast(" + expr(n.value()) + ", " + n.lanes() + ")";
      case Call n -> n.op() + "(" + exprs(n.args()) + ")";
      case Let n -> "(let " + nameOf(n.var()) + " = " + expr(n.value()) + " in " + expr(n.body()) + ")";
      case Reduce n -> "reduce(" + exprs(n.source()) + ", axis=[" + n.axis().stream().map(iv -> nameOf(iv.var()))
          .collect(Collectors.joining(", ")) + "]" + (IrOps.isConst(n.condition(), 1) ? "" : ", where="
          + expr(n.condition())) + ")" + (n.source().size() > 1 ? "[" + n.valueIndex() + "]" : "");
    };
  }

  protected String exprs(List<Expr> es) { return es.stream().map(this::expr).collect(Collectors.joining(", ")); }

  protected String intText(IntImm n) {
    DType t = n.dtype();
    if (t.isBool()) return n.value() != 0 ? "True" : "False";
    if (t.equals(DType.I32)) return Long.toString(n.value());
    return n.value() + (t.isUInt() ? "u" : "i") + t.bits();
  }

  protected String floatText(FloatImm n) {
    String v = n.dtype().bits() == 32 ? Float.toString((float) n.value()) : Double.toString(n.value());
    if (v.endsWith(".0")) v = v.substring(0, v.length() - 2);
    return v + (n.dtype().bits() == 32 ? "f" : "f" + n.dtype().bits());
  }

  /** A unique, stable name for a var or buffer within this printer. */
  protected String nameOf(Object node) {
    return names.computeIfAbsent(node, k -> {
      String hint = k instanceof Var v ? v.name() : ((Buffer) k).name();
      int n = used.merge(hint, 1, Integer::sum);
      return n == 1 ? hint : hint + "_" + (n - 1);
    });
  }

  /**
   * A let, attribute, assertion or allocation: its head line, then its body, which runs to the end of the
   * enclosing block; in braces when statements follow it in its sequence (which its body does not cover).
   */
  private void scoped(String head, Stmt body, boolean brace) {
    if (brace) {
      block(head, body);
    } else {
      line(head);
      printStmt(body);
    }
  }

  protected void line(String text) { out.append("  ".repeat(indent)).append(text).append('\n'); }

  private void block(String head, Stmt body) {
    line(head + " {");
    nested(body);
    line("}");
  }

  private void nested(Stmt s) {
    indent++;
    printStmt(s);
    indent--;
  }
}
