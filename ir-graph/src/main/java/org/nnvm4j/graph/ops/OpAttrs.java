package org.nnvm4j.graph.ops;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.nnvm4j.graph.Op;
import org.nnvm4j.pass.diag.CompileException;

/**
 * Reading and checking op attributes in NNVM's text forms: ints ({@code 3}), floats ({@code 1e-5}),
 * booleans ({@code True}/{@code False}/{@code 1}/{@code 0}) and int tuples ({@code (1, 1)}, {@code [2]},
 * {@code ()}).
 */
public final class OpAttrs {
  /** Checks for an integer. */
  public static final Op.AttrCheck INT = OpAttrs::parseInt;
  /** Checks for a positive integer. */
  public static final Op.AttrCheck POSITIVE_INT = v -> {
    if (parseInt(v) < 1) throw new IllegalArgumentException("expected a positive integer");
  };
  /** Checks for a finite float. */
  public static final Op.AttrCheck FLOAT = OpAttrs::parseFloat;
  /** Checks for a boolean. */
  public static final Op.AttrCheck BOOL = OpAttrs::parseBool;
  /** Checks for a tuple of integers. */
  public static final Op.AttrCheck INTS = OpAttrs::parseInts;

  private OpAttrs() {}

  /** Checks for a tuple of {@code n} positive integers (a single integer is repeated). */
  public static Op.AttrCheck positivePair(int n) {
    return v -> {
      int[] t = ints(v, n);
      if (Arrays.stream(t).anyMatch(x -> x < 1)) throw new IllegalArgumentException("expected " + n + " positive integers");
    };
  }

  /** Checks for a tuple of {@code n} non-negative integers (a single integer is repeated). */
  public static Op.AttrCheck nonNegativePair(int n) {
    return v -> {
      int[] t = ints(v, n);
      if (Arrays.stream(t).anyMatch(x -> x < 0)) throw new IllegalArgumentException("expected " + n + " non-negative integers");
    };
  }

  /** Checks for one of {@code allowed}. */
  public static Op.AttrCheck oneOf(String... allowed) {
    return v -> {
      if (!Arrays.asList(allowed).contains(v)) throw new IllegalArgumentException("expected one of " + Arrays.toString(allowed));
    };
  }

  public static int intAttr(Map<String, String> attrs, String key) { return parseInt(attrs.get(key)); }

  public static double floatAttr(Map<String, String> attrs, String key) { return parseFloat(attrs.get(key)); }

  public static boolean boolAttr(Map<String, String> attrs, String key) { return parseBool(attrs.get(key)); }

  public static int[] intsAttr(Map<String, String> attrs, String key) { return parseInts(attrs.get(key)); }

  /** A tuple of exactly {@code n} ints; a single int stands for {@code n} copies. */
  public static int[] ints(String v, int n) {
    int[] t = parseInts(v);
    if (t.length == 1 && n > 1) {
      int[] r = new int[n];
      Arrays.fill(r, t[0]);
      return r;
    }
    if (t.length != n) throw new IllegalArgumentException("expected " + n + " integers, got " + t.length);
    return t;
  }

  static int parseInt(String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected an integer");
    }
  }

  static double parseFloat(String v) {
    try {
      double d = Double.parseDouble(v.trim());
      if (!Double.isFinite(d)) throw new IllegalArgumentException("expected a finite number");
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a number");
    }
  }

  static boolean parseBool(String v) {
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw new IllegalArgumentException("expected True or False");
    };
  }

  static int[] parseInts(String v) {
    String s = v.trim();
    if (s.startsWith("(") && s.endsWith(")") || s.startsWith("[") && s.endsWith("]")) s = s.substring(1, s.length() - 1);
    s = s.trim();
    if (s.isEmpty()) return new int[0];
    String[] parts = s.split(",");
    int n = parts.length;
    if (parts[n - 1].isBlank()) n--; // "(3,)"
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      try {
        out[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("expected a tuple of integers such as (1, 1)");
      }
    }
    return out;
  }

  /** NNVM's text of an int tuple: {@code (1, 2)}; one element: {@code (3,)}. */
  public static String tuple(int... v) {
    if (v.length == 1) return "(" + v[0] + ",)";
    return "(" + String.join(", ", Arrays.stream(v).mapToObj(Integer::toString).toArray(String[]::new)) + ")";
  }

  /** {@code axis} made non-negative for rank {@code rank}; out of range is a {@link CompileException}. */
  public static int normalizeAxis(int axis, int rank) {
    int a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) throw CompileException.invalid("axis %d is out of range for rank %d", axis, rank);
    return a;
  }
}
