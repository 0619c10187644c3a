package org.nnvm4j.tensor.tir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;

/**
 * Reads the text {@link TirPrinter} writes back into a {@link PrimFunc}, so that tests and tools can state
 * IR as text. Every name the printer writes is unique within a function, so each names one var or buffer.
 * {@code let}, {@code allocate}, {@code // attr} and {@code assert} take as body a braced block, or without
 * braces the rest of their block, as the printer writes them. The text does not record a {@link Call}'s type: a call gets its first argument's
 * ({@code if_then_else} its second's).
 * Tensor-level nodes ({@code reduce}, producer loads) are not read.
 */
public final class TirParser {
  private static final Pattern TOKEN = Pattern.compile(
      "\\s*(?:(//)|(\"[^\"]*\")|(-?(?:\\d+(?:\\.\\d+)?(?:E-?\\d+)?|NaN|Infinity)(?:[fiu]\\d*)?)"
          + "|([A-Za-z_][A-Za-z0-9_.]*)|(==|!=|<=|>=|&&|\\|\\||[-+*/%<>!=\\[\\](){},:]))");
  private static final Pattern NUMBER = Pattern.compile("(-?[\\d.E-]+|-?NaN|-?Infinity)([fiu])?(\\d*)");

  private final List<String> tokens = new ArrayList<>();
  private final Map<String, Var> vars = new HashMap<>();
  private final Map<String, Buffer> buffers = new HashMap<>();
  private int pos;

  private TirParser(String text) {
    Matcher m = TOKEN.matcher(text);
    int at = 0;
    while (at < text.length()) {
      if (text.substring(at).isBlank()) break;
      if (!m.find(at) || m.start() != at) throw error("cannot read the text at offset " + at + ": '" + snippet(text, at) + "'");
      for (int g = 1; g <= 5; g++) if (m.group(g) != null) tokens.add(m.group(g));
      at = m.end();
    }
  }

  private static String snippet(String text, int at) { return text.substring(at, Math.min(text.length(), at + 20)).strip(); }

  /** The function that {@code text} (as {@link TirPrinter#print(PrimFunc)} writes it) describes. */
  public static PrimFunc parse(String text) {
    TirParser p = new TirParser(text);
    PrimFunc f = p.func();
    if (p.pos != p.tokens.size()) throw p.error("text after the end of the function");
    return f;
  }

  private PrimFunc func() {
    expect("primfn");
    String name = next();
    expect("(");
    declareScalars();
    List<Buffer> bufs = new ArrayList<>();
    List<Var> scalars = new ArrayList<>();
    while (!peek(")")) {
      if (!bufs.isEmpty() || !scalars.isEmpty()) expect(",");
      String pname = next();
      expect(":");
      if (accept("Buffer")) {
        expect("(");
        DType t = DType.parse(next());
        expect(",");
        expect("[");
        List<Expr> shape = peek("]") ? List.of() : exprList("]");
        expect("]");
        expect(")");
        bufs.add(define(new Buffer(pname, t, shape, "global")));
      } else {
        next();
        scalars.add(vars.get(pname));
      }
    }
    expect(")");
    return new PrimFunc(name, bufs, scalars, block(), Map.of("global_symbol", name));
  }

  /** Creates the scalar parameters first: buffer shapes before them in the signature use them. */
  private void declareScalars() {
    int depth = 0;
    for (int i = pos; i + 2 < tokens.size() && depth >= 0; i++) {
      String t = tokens.get(i);
      if (t.equals("(") || t.equals("[")) depth++;
      if (t.equals(")") || t.equals("]")) depth--;
      if (depth == 0 && tokens.get(i + 1).equals(":") && !tokens.get(i + 2).equals("Buffer")) {
        vars.put(t, Var.sizeVar(t, DType.parse(tokens.get(i + 2))));
      }
    }
  }

  /** A buffer declared by a parameter or an allocation; a name allocated again is the same buffer (one name, one object). */
  private Buffer define(Buffer b) {
    Buffer old = buffers.putIfAbsent(b.name(), b);
    if (old == null) return b;
    if (!old.dtype().equals(b.dtype()) || !old.scope().equals(b.scope())) {
      throw error("buffer '" + b.name() + "' declared again with another dtype or scope");
    }
    return old;
  }

  /** {@code { stmt* }}. */
  private Stmt block() {
    expect("{");
    Stmt s = seq();
    expect("}");
    return s;
  }

  /** The statements up to the closing brace; scoped statements take the rest as their body. */
  /** The body of a scoped statement: a braced block when statements follow it, else the rest of the block. */
  private Stmt body() { return peek("{") ? block() : seq(); }

  private Stmt seq() {
    List<Stmt> out = new ArrayList<>();
    while (!peek("}")) {
      Stmt s = scoped();
      out.add(s != null ? s : stmt());
    }
    return out.size() == 1 ? out.get(0) : new SeqStmt(out);
  }


  /** A statement whose body is the rest of the block, or null when the next one is not such. */
  private Stmt scoped() {
    if (accept("//")) {
      expect("attr");
      expect("[");
      String node = next();
      expect("]");
      String key = next();
      expect("=");
      Expr value = expr();
      Stmt body = body();
      Object target = vars.containsKey(node) ? vars.get(node) : buffers.containsKey(node) ? buffers.get(node) : node;
      return new AttrStmt(target, key, value, body);
    }
    if (accept("let")) {
      String name = next();
      expect("=");
      Expr value = expr();
      Var v = bind(name, value.dtype());
      return new LetStmt(v, value, body());
    }
    if (accept("assert")) {
      expect("(");
      Expr c = expr();
      expect(",");
      String msg = next();
      expect(")");
      return new AssertStmt(c, msg.substring(1, msg.length() - 1), body());
    }
    if (accept("allocate")) {
      String name = next();
      expect("[");
      DType t = DType.parse(next());
      List<Expr> shape = new ArrayList<>();
      while (accept("*")) shape.add(expr());
      expect("]");
      expect(",");
      expect("storage_scope");
      expect("=");
      Buffer b = define(new Buffer(name, t, shape, next()));
      return new Allocate(b, body());
    }
    return null;
  }

  private Stmt stmt() {
    for (ForKind k : ForKind.values()) {
      if (k == ForKind.THREAD_BINDING || k == ForKind.SERIAL) continue;
      if (peek(k.prefix().strip())) {
        next();
        return loop(k);
      }
    }
    if (peek("for")) return loop(ForKind.SERIAL);
    if (accept("launch_thread")) {
      expect("(");
      String tag = next();
      expect(":");
      return loopRest(ForKind.THREAD_BINDING, tag);
    }
    if (accept("if")) {
      expect("(");
      Expr c = expr();
      expect(")");
      Stmt then = block();
      Stmt other = accept("else") ? block() : null;
      return new IfThenElse(c, then, other);
    }
    if (buffers.containsKey(tokens.get(pos)) && pos + 1 < tokens.size() && tokens.get(pos + 1).equals("[")) {
      Buffer b = buffers.get(next());
      expect("[");
      List<Expr> idx = exprList("]");
      expect("]");
      expect("=");
      return new BufferStore(b, expr(), idx);
    }
    return new Evaluate(expr());
  }

  private Stmt loop(ForKind kind) {
    expect("for");
    expect("(");
    return loopRest(kind, "");
  }

  private Stmt loopRest(ForKind kind, String tag) {
    String name = next();
    expect(",");
    Expr min = expr();
    expect(",");
    Expr ext = expr();
    expect(")");
    Var v = bind(name, min.dtype());
    return new For(v, min, ext, kind, tag, block());
  }

  /**
   * The var a loop or let binds. The printer gives one object one name, so a name bound again (the same var
   * in two sibling loops, as partitioned loops and reduction init/update nests have) is the same var.
   */
  private Var bind(String name, DType t) {
    Var v = vars.get(name);
    if (v != null) {
      if (!v.dtype().equals(t)) throw error("'" + name + "' bound as " + v.dtype() + " and as " + t);
      return v;
    }
    v = new Var(name, t);
    vars.put(name, v);
    return v;
  }

  private List<Expr> exprList(String close) {
    List<Expr> out = new ArrayList<>();
    out.add(expr());
    while (!peek(close)) {
      expect(",");
      out.add(expr());
    }
    return out;
  }

  private Expr expr() {
    String t = next();
    if (t.equals("(")) {
      if (accept("let")) {
        String name = next();
        expect("=");
        Expr value = expr();
        expect("in");
        Var v = bind(name, value.dtype());
        Expr body = expr();
        expect(")");
        return new Let(v, value, body);
      }
      Expr a = expr();
      String op = next();
      Expr b = expr();
      expect(")");
      return binary(op, a, b);
    }
    if (t.equals("!")) return new Not(expr());
    if (t.startsWith("\"")) return new StringImm(t.substring(1, t.length() - 1));
    if (t.equals("True") || t.equals("False")) return IrOps.bool(t.equals("True"));
    if (NUMBER.matcher(t).matches() && (Character.isDigit(t.charAt(0)) || t.charAt(0) == '-' || t.startsWith("NaN")
        || t.startsWith("Infinity"))) {
      return number(t);
    }
    if (accept("[")) {
      Buffer b = buffers.get(t);
      if (b == null) throw error("unknown buffer '" + t + "'");
      List<Expr> idx = exprList("]");
      expect("]");
      return new BufferLoad(b, idx);
    }
    if (accept("(")) return call(t);
    Var v = vars.get(t);
    if (v == null) throw error("unknown name '" + t + "'");
    return v;
  }

  private Expr call(String name) {
    List<Expr> args = peek(")") ? List.of() : exprList(")");
    expect(")");
    switch (name) {
      case "select" -> { return new Select(args.get(0), args.get(1), args.get(2)); }
      case "ramp" -> { return new Ramp(args.get(0), args.get(1), lanes(args.get(2))); }
      case "broadcast" -> { return new Broadcast(args.get(0), lanes(args.get(1))); }
      case "min", "max", "floordiv", "floormod" -> { return binary(name, args.get(0), args.get(1)); }
      default -> {
        DType cast = castType(name);
        if (cast != null && args.size() == 1) return new Cast(cast, args.get(0));
        if (args.isEmpty()) throw error("call of " + name + " without arguments: its type is unknown");
        if (name.equals(Intrinsics.IF_THEN_ELSE)) {
          if (args.size() != 3) throw error("if_then_else takes 3 arguments, got " + args.size());
          return new Call(args.get(1).dtype(), name, args);
        }
        return new Call(args.get(0).dtype(), name, args);
      }
    }
  }

  private static DType castType(String name) {
    try {
      return DType.parse(name);
    } catch (CompileException notAType) {
      return null;
    }
  }

  private int lanes(Expr e) {
    Long l = IrOps.asLong(e);
    if (l == null) throw error("lane count " + e + " is not a constant");
    return l.intValue();
  }

  private Expr binary(String op, Expr a, Expr b) {
    return switch (op) {
      case "+" -> new Add(a, b);
      case "-" -> new Sub(a, b);
      case "*" -> new Mul(a, b);
      case "/" -> new Div(a, b);
      case "%" -> new Mod(a, b);
      case "floordiv" -> new FloorDiv(a, b);
      case "floormod" -> new FloorMod(a, b);
      case "min" -> new Min(a, b);
      case "max" -> new Max(a, b);
      case "==" -> new EQ(a, b);
      case "!=" -> new NE(a, b);
      case "<" -> new LT(a, b);
      case "<=" -> new LE(a, b);
      case ">" -> new GT(a, b);
      case ">=" -> new GE(a, b);
      case "&&" -> new And(a, b);
      case "||" -> new Or(a, b);
      default -> throw error("unknown operator '" + op + "'");
    };
  }

  private Expr number(String t) {
    Matcher m = NUMBER.matcher(t);
    if (!m.matches()) throw error("bad number '" + t + "'");
    String digits = m.group(1);
    String kind = m.group(2);
    String bits = m.group(3);
    if (kind == null) return IrOps.i32(Long.parseLong(digits));
    if (kind.equals("f")) {
      DType dt = bits.isEmpty() ? DType.F32 : DType.parse("float" + bits);
      return new FloatImm(dt, Double.parseDouble(digits));
    }
    return IrOps.intImm(DType.parse((kind.equals("u") ? "uint" : "int") + bits), Long.parseLong(digits));
  }

  private String next() {
    if (pos >= tokens.size()) throw error("unexpected end of text");
    return tokens.get(pos++);
  }

  private boolean peek(String t) { return pos < tokens.size() && tokens.get(pos).equals(t); }

  private boolean accept(String t) {
    if (!peek(t)) return false;
    pos++;
    return true;
  }

  private void expect(String t) {
    if (!accept(t)) throw error("expected '" + t + "'");
  }

  private CompileException error(String message) {
    String near = String.join(" ", tokens.subList(Math.max(0, pos - 4), Math.min(tokens.size(), pos + 4)));
    return CompileException.invalid("TIR text, token %d (near '%s'): %s", pos, near, message);
  }
}
