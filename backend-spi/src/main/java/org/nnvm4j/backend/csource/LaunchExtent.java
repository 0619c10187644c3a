package org.nnvm4j.backend.csource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.apiguardian.api.API;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.tir.Add;
import org.nnvm4j.tensor.tir.And;
import org.nnvm4j.tensor.tir.BinaryExpr;
import org.nnvm4j.tensor.tir.Broadcast;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.Call;
import org.nnvm4j.tensor.tir.Cast;
import org.nnvm4j.tensor.tir.Div;
import org.nnvm4j.tensor.tir.EQ;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.FloatImm;
import org.nnvm4j.tensor.tir.FloorDiv;
import org.nnvm4j.tensor.tir.FloorMod;
import org.nnvm4j.tensor.tir.GE;
import org.nnvm4j.tensor.tir.GT;
import org.nnvm4j.tensor.tir.IntImm;
import org.nnvm4j.tensor.tir.LE;
import org.nnvm4j.tensor.tir.LT;
import org.nnvm4j.tensor.tir.Let;
import org.nnvm4j.tensor.tir.Max;
import org.nnvm4j.tensor.tir.Min;
import org.nnvm4j.tensor.tir.Mod;
import org.nnvm4j.tensor.tir.Mul;
import org.nnvm4j.tensor.tir.NE;
import org.nnvm4j.tensor.tir.Not;
import org.nnvm4j.tensor.tir.Or;
import org.nnvm4j.tensor.tir.ProducerLoad;
import org.nnvm4j.tensor.tir.Ramp;
import org.nnvm4j.tensor.tir.Reduce;
import org.nnvm4j.tensor.tir.Select;
import org.nnvm4j.tensor.tir.StringImm;
import org.nnvm4j.tensor.tir.Sub;
import org.nnvm4j.tensor.tir.Var;

/**
 * An integer expression of a function's scalar parameters (a thread extent, a temporary buffer's
 * length), kept as postfix tokens so that the host evaluates it per call and an exported module
 * stores it as text: {@code "$0 255 + 256 fdiv"} is {@code floordiv(n + 255, 256)} when {@code n} is
 * scalar 0.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record LaunchExtent(List<String> tokens) {
  private static final List<String> OPS = List.of("+", "-", "*", "div", "mod", "fdiv", "fmod", "min", "max");

  public LaunchExtent {
    tokens = List.copyOf(tokens);
    evaluate(tokens, null);
  }

  /**
   * The extent {@code e} over {@code scalars} (the function's scalar parameters, in order).
   *
   * @throws CompileException when {@code e} is not integer arithmetic of constants and scalar parameters
   */
  public static LaunchExtent of(Expr e, List<Var> scalars) {
    List<String> out = new ArrayList<>();
    emit(e, scalars, out);
    return new LaunchExtent(out);
  }

  /** The value when the scalar parameters have {@code scalarValues}. */
  public long eval(long[] scalarValues) { return evaluate(tokens, scalarValues); }

  /** The tokens separated by spaces; {@link #parse} reads it back. */
  public String toText() { return String.join(" ", tokens); }

  /**
   * Parses {@link #toText()}.
   *
   * @throws CompileException on an unknown token
   */
  public static LaunchExtent parse(String text) { return new LaunchExtent(List.of(text.trim().split("\\s+"))); }

  private static void emit(Expr e, List<Var> scalars, List<String> out) {
    switch (e) {
      case IntImm n -> out.add(Long.toString(n.value()));
      case Var n -> {
        int i = scalars.indexOf(n);
        if (i < 0) throw unsupported(e, "variable '" + n.name() + "' is not a scalar parameter of the function");
        out.add("$" + i);
      }
      case Cast n -> {
        if (!n.dtype().isIntegral()) throw unsupported(e, "a cast to " + n.dtype());
        emit(n.value(), scalars, out);
      }
      case BinaryExpr n -> {
        String op = switch (n) {
          case Add x -> "+";
          case Sub x -> "-";
          case Mul x -> "*";
          case Div x -> "div";
          case Mod x -> "mod";
          case FloorDiv x -> "fdiv";
          case FloorMod x -> "fmod";
          case Min x -> "min";
          case Max x -> "max";
          case EQ _, NE _, LT _, LE _, GT _, GE _, And _, Or _ -> null;
        };
        if (op == null) throw unsupported(e, "a comparison or logical operator");
        emit(n.a(), scalars, out);
        emit(n.b(), scalars, out);
        out.add(op);
      }
      case FloatImm n -> throw unsupported(e, "a float constant");
      case StringImm n -> throw unsupported(e, "a string");
      case Not n -> throw unsupported(e, "a logical not");
      case Select n -> throw unsupported(e, "a select");
      case BufferLoad n -> throw unsupported(e, "a load of buffer " + n.buffer().name());
      case ProducerLoad n -> throw unsupported(e, "a tensor load");
      case Ramp n -> throw unsupported(e, "a vector");
      case Broadcast n -> throw unsupported(e, "a vector");
      case Call n -> throw unsupported(e, "a call of " + n.op());
      case Let n -> throw unsupported(e, "a let");
      case Reduce n -> throw unsupported(e, "a reduction");
    }
  }

  private static CompileException unsupported(Expr e, String what) {
    return new CompileException(ErrorCode.UNSUPPORTED, Span.NONE, "launch extent " + e + " contains " + what
        + "; thread extents and temporary sizes must be integer arithmetic of the function's shape variables");
  }

  /** Evaluates the tokens; with {@code scalars == null} it only checks them (scalars read as 1). */
  private static long evaluate(List<String> tokens, long[] scalars) {
    Deque<Long> stack = new ArrayDeque<>();
    for (String t : tokens) {
      if (OPS.contains(t)) {
        if (stack.size() < 2) throw malformed(tokens, "operator " + t + " lacks operands");
        long b = stack.pop();
        long a = stack.pop();
        stack.push(apply(t, a, b, scalars == null));
      } else if (t.startsWith("$")) {
        int i = (int) parseLong(tokens, t.substring(1));
        if (scalars != null && i >= scalars.length) throw malformed(tokens, "scalar " + t + " of " + scalars.length);
        stack.push(scalars == null ? 1 : scalars[i]);
      } else {
        stack.push(parseLong(tokens, t));
      }
    }
    if (stack.size() != 1) throw malformed(tokens, "leaves " + stack.size() + " values");
    return stack.pop();
  }

  private static long apply(String op, long a, long b, boolean checking) {
    if (checking && (op.endsWith("div") || op.endsWith("mod")) && b == 0) b = 1;
    return switch (op) {
      case "+" -> Math.addExact(a, b);
      case "-" -> Math.subtractExact(a, b);
      case "*" -> Math.multiplyExact(a, b);
      case "div" -> a / b;
      case "mod" -> a % b;
      case "fdiv" -> Math.floorDiv(a, b);
      case "fmod" -> Math.floorMod(a, b);
      case "min" -> Math.min(a, b);
      case "max" -> Math.max(a, b);
      default -> throw new IllegalStateException(op);
    };
  }

  private static long parseLong(List<String> tokens, String t) {
    try {
      return Long.parseLong(t);
    } catch (NumberFormatException e) {
      throw malformed(tokens, "unknown token '" + t + "'");
    }
  }

  private static CompileException malformed(List<String> tokens, String why) {
    return new CompileException(ErrorCode.MALFORMED_INPUT, Span.NONE, "bad launch extent '" + String.join(" ", tokens)
        + "': " + why);
  }
}
