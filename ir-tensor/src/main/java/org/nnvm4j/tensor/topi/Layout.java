package org.nnvm4j.tensor.topi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;

/**
 * A tensor layout in NNVM/TVM's notation: primal axes are upper-case letters ({@code NCHW}, {@code OIHW}),
 * a sub-axis is a block factor and the lower-case letter of its primal axis ({@code NCHW16c},
 * {@code OIHW8i16o}). A blocked primal axis has extent {@code primal / factor}; its sub-axis has extent
 * {@code factor}. {@link #transform} converts between two layouts of the same primal axes (TOPI's
 * {@code layout_transform}, tag {@value #TAG}).
 *
 * @param name the layout text
 * @param axes the axis letters in order, primal (upper case) and sub (lower case)
 * @param factors the block factor of each axis ({@code 0} for a primal axis)
 */
public record Layout(String name, char[] axes, int[] factors) {
  public static final String TAG = "layout_transform";

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException saying what is wrong: an unknown character, a factor without its axis,
   *     a sub-axis without a factor or without its primal axis, an axis twice, a factor below 1
   */
  public static Layout parse(String text) {
    String s = text.trim();
    if (s.isEmpty()) throw new IllegalArgumentException("a layout needs at least one axis");
    List<Character> axes = new ArrayList<>();
    List<Integer> factors = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
      if (i == s.length()) throw new IllegalArgumentException("layout '" + s + "' ends with a factor without its axis");
      char c = s.charAt(i);
      if (c < 'A' || c > 'Z' && c < 'a' || c > 'z') {
        throw new IllegalArgumentException("layout '" + s + "' has '" + c + "'; axes are letters, A-Z primal and a-z blocked");
      }
      boolean sub = Character.isLowerCase(c);
      if (sub && start == i) throw new IllegalArgumentException("layout '" + s + "': sub-axis '" + c + "' needs a factor, e.g. 16" + c);
      if (!sub && start != i) throw new IllegalArgumentException("layout '" + s + "': primal axis '" + c + "' cannot have a factor");
      int f = 0;
      if (sub) {
        try {
          f = Integer.parseInt(s.substring(start, i));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("layout '" + s + "': factor " + s.substring(start, i) + " is too large");
        }
        if (f < 1) throw new IllegalArgumentException("layout '" + s + "': factor of '" + c + "' must be >= 1");
      }
      if (axes.contains(c)) throw new IllegalArgumentException("layout '" + s + "' has axis '" + c + "' twice");
      axes.add(c);
      factors.add(f);
      i++;
    }
    for (char c : axes) {
      if (Character.isLowerCase(c) && !axes.contains(Character.toUpperCase(c))) {
        throw new IllegalArgumentException("layout '" + s + "' has sub-axis '" + c + "' but no primal axis '" + Character.toUpperCase(c) + "'");
      }
    }
    char[] a = new char[axes.size()];
    int[] fs = new int[axes.size()];
    for (int k = 0; k < a.length; k++) {
      a[k] = axes.get(k);
      fs[k] = factors.get(k);
    }
    return new Layout(s, a, fs);
  }

  /** The op attribute check of a layout string. */
  public static void check(String text) { parse(text); }

  public int rank() { return axes.length; }

  /** The position of axis {@code c}, or -1. */
  public int indexOf(char c) {
    for (int i = 0; i < axes.length; i++) if (axes[i] == c) return i;
    return -1;
  }

  /** The block factor of primal axis {@code primal}: its sub-axis's factor, or 1 when it is not blocked. */
  public int factorOf(char primal) {
    int k = indexOf(Character.toLowerCase(primal));
    return k < 0 ? 1 : factors[k];
  }

  /** The primal axes in order, e.g. {@code NCHW} for {@code NCHW16c}. */
  public String primal() {
    StringBuilder b = new StringBuilder();
    for (char c : axes) if (Character.isUpperCase(c)) b.append(c);
    return b.toString();
  }

  /** Whether {@code other} has the same primal axes (in any order), so that one transforms into the other. */
  public boolean convertible(Layout other) {
    char[] a = primal().toCharArray();
    char[] b = other.primal().toCharArray();
    Arrays.sort(a);
    Arrays.sort(b);
    return Arrays.equals(a, b);
  }

  /** The extent of every primal axis of a tensor of {@code shape} in this layout, by letter ({@code 'A'..'Z'}). */
  public long[] primalExtents(long[] shape) {
    if (shape.length != axes.length) {
      throw CompileException.invalid("layout %s has %d axes but the tensor has shape %s", name, axes.length, Arrays.toString(shape));
    }
    long[] ext = new long[26];
    for (int i = 0; i < axes.length; i++) {
      if (Character.isUpperCase(axes[i])) ext[axes[i] - 'A'] = shape[i] * factorOf(axes[i]);
      else if (shape[i] != factors[i]) {
        throw CompileException.invalid("layout %s: axis '%c' of shape %s has extent %d, not its factor %d", name, axes[i],
            Arrays.toString(shape), shape[i], factors[i]);
      }
    }
    return ext;
  }

  /** The shape in this layout of a tensor whose primal axes have extents {@code primal} (by letter). */
  public long[] shapeOf(long[] primal) {
    long[] out = new long[axes.length];
    for (int i = 0; i < axes.length; i++) {
      char c = axes[i];
      if (Character.isLowerCase(c)) {
        out[i] = factors[i];
      } else {
        long e = primal[c - 'A'];
        int f = factorOf(c);
        if (e % f != 0) throw CompileException.invalid("layout %s: axis '%c' of extent %d is not divisible by its factor %d", name, c, e, f);
        out[i] = e / f;
      }
    }
    return out;
  }

  /** The shape in layout {@code dst} of a tensor of {@code shape} in {@code src}. */
  public static long[] transformShape(Layout src, Layout dst, long[] shape) {
    if (!src.convertible(dst)) {
      throw CompileException.invalid("layouts %s and %s do not have the same primal axes (%s vs %s)", src.name(), dst.name(), src.primal(),
          dst.primal());
    }
    return dst.shapeOf(src.primalExtents(shape));
  }

  /**
   * {@code data} (in layout {@code src}) in layout {@code dst}: each output index gives the coordinate of
   * every primal axis ({@code outer * factor + inner}), which is split again as {@code src} blocks it.
   */
  public static Tensor transform(Tensor data, Layout src, Layout dst, String name) {
    long[] shape = Topi.constShape(data, name);
    long[] out = transformShape(src, dst, shape);
    return Te.computeN(Te.shape(out), idx -> {
      Expr[] coord = new Expr[26];
      for (int i = 0; i < dst.rank(); i++) {
        char c = dst.axes()[i];
        if (Character.isLowerCase(c)) continue;
        int f = dst.factorOf(c);
        Expr e = idx.get(i);
        if (f > 1) e = IrOps.add(IrOps.mul(e, IrOps.i32(f)), idx.get(dst.indexOf(Character.toLowerCase(c))));
        coord[c - 'A'] = e;
      }
      List<Expr> at = new ArrayList<>();
      for (int i = 0; i < src.rank(); i++) {
        char c = src.axes()[i];
        if (Character.isUpperCase(c)) {
          int f = src.factorOf(c);
          at.add(f > 1 ? IrOps.floorDiv(coord[c - 'A'], IrOps.i32(f)) : coord[c - 'A']);
        } else {
          at.add(IrOps.floorMod(coord[Character.toUpperCase(c) - 'A'], IrOps.i32(src.factors()[i])));
        }
      }
      return data.get(at);
    }, name, TAG, Map.of());
  }

  @Override public boolean equals(Object o) { return o instanceof Layout l && l.name.equals(name); }

  @Override public int hashCode() { return name.hashCode(); }

  @Override public String toString() { return name; }
}
