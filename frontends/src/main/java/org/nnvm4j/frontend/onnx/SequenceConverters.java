package org.nnvm4j.frontend.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * ONNX sequence ops, resolved while importing: a sequence is the list of its element symbols, so its
 * length and every position (SequenceAt, SequenceInsert, SequenceErase) must be known statically (a
 * constant, or a data input the graph is specialized to). The compiled graph sees tensors only.
 */
final class SequenceConverters {
  private SequenceConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("SequenceEmpty", n -> {
      n.onlyAttrs("dtype");
      return sequence(n, List.of());
    });
    t.put("SequenceConstruct", n -> {
      n.onlyAttrs();
      List<Symbol> elements = new ArrayList<>();
      for (int i = 0; i < n.numInputs(); i++) elements.add(n.input(i));
      return sequence(n, elements);
    });
    t.put("SequenceInsert", n -> {
      n.onlyAttrs();
      List<Symbol> elements = new ArrayList<>(n.sequence(0));
      int at = n.hasInput(2) ? position(n, 2, elements.size(), true) : elements.size();
      elements.add(at, n.input(1));
      return sequence(n, elements);
    });
    t.put("SequenceErase", n -> {
      n.onlyAttrs();
      List<Symbol> elements = new ArrayList<>(n.sequence(0));
      if (elements.isEmpty()) throw n.unsupported("the sequence is empty");
      elements.remove(n.hasInput(1) ? position(n, 1, elements.size(), false) : elements.size() - 1);
      return sequence(n, elements);
    });
    t.put("SequenceAt", n -> {
      n.onlyAttrs();
      List<Symbol> elements = n.sequence(0);
      return List.of(elements.get(position(n, 1, elements.size(), false)));
    });
    t.put("SequenceLength", n -> {
      n.onlyAttrs();
      NDArray length = NDArray.allocate(DType.I64, Shape.of());
      length.setDouble(0, n.sequence(0).size());
      return List.of(n.param("length", length));
    });
    t.put("SplitToSequence", SequenceConverters::splitToSequence);
    t.put("ConcatFromSequence", SequenceConverters::concatFromSequence);
  }

  private static List<Symbol> sequence(OnnxNode n, List<Symbol> elements) {
    n.outputSequence(0, elements);
    return List.of();
  }

  /**
   * The constant position in input {@code i} for a sequence of {@code length}: negative counts from the
   * back; {@code insert} allows {@code length} itself (append).
   */
  private static int position(OnnxNode n, int i, int length, boolean insert) {
    long[] v = n.constantInts(i);
    if (v == null || v.length != 1) throw n.unsupported("the position (input " + i + ") must be a one-element constant");
    long p = v[0] < 0 ? v[0] + length : v[0];
    if (p < 0 || p > length || (p == length && !insert)) {
      throw n.unsupported("position " + v[0] + " is out of range for a sequence of length " + length);
    }
    return (int) p;
  }

  /**
   * SplitToSequence: without {@code split}, pieces of 1 along {@code axis} (squeezed unless keepdims);
   * a scalar {@code split} gives pieces of that size (the last may be shorter); a 1-D one the sizes.
   */
  private static List<Symbol> splitToSequence(OnnxNode n) {
    n.onlyAttrs("axis", "keepdims");
    Shape s = n.shape(0);
    if (s == null) throw n.unsupported("the input shape must be known");
    long axis = n.attrInt("axis", 0);
    if (axis < -s.rank() || axis >= s.rank()) throw n.unsupported("attribute 'axis' = " + axis + " is out of range for rank " + s.rank());
    int d = (int) (axis < 0 ? axis + s.rank() : axis);
    long extent = s.dim(d);
    long[] sizes;
    boolean squeeze = false;
    if (!n.hasInput(1)) {
      sizes = new long[Math.toIntExact(extent)];
      java.util.Arrays.fill(sizes, 1);
      squeeze = n.attrInt("keepdims", 1) == 0;
    } else {
      long[] split = n.constantInts(1);
      if (split == null) throw n.unsupported("the split input must be a constant");
      Shape ss = n.shape(1);
      if (ss != null && ss.rank() == 0) {
        if (split[0] <= 0) throw n.unsupported("split size " + split[0] + " must be positive");
        sizes = new long[Math.toIntExact(Math.ceilDiv(extent, split[0]))];
        for (int k = 0; k < sizes.length; k++) sizes[k] = Math.min(split[0], extent - k * split[0]);
      } else {
        sizes = split;
      }
    }
    List<Symbol> pieces = ShapeConverters.slices(n, s, d, sizes);
    if (squeeze) pieces = pieces.stream().map(p -> n.op("squeeze", Map.of("axis", OnnxNode.tuple(d)), p)).toList();
    return sequence(n, pieces);
  }

  /** ConcatFromSequence: the elements concatenated along {@code axis}, or stacked on a new axis there when new_axis = 1. */
  private static List<Symbol> concatFromSequence(OnnxNode n) {
    n.onlyAttrs("axis", "new_axis");
    if (!n.hasAttr("axis")) throw n.unsupported("attribute 'axis' is required");
    List<Symbol> elements = n.sequence(0);
    if (elements.isEmpty()) throw n.unsupported("the sequence is empty");
    Shape first = n.shapeOf(elements.get(0));
    if (first == null) throw n.unsupported("the shapes of the sequence's elements must be known");
    boolean stack = n.attrInt("new_axis", 0) != 0;
    int rank = first.rank() + (stack ? 1 : 0);
    long axis = n.attrInt("axis", 0);
    if (axis < -rank || axis >= rank) throw n.unsupported("attribute 'axis' = " + axis + " is out of range for rank " + rank);
    long a = axis < 0 ? axis + rank : axis;
    Symbol[] in = elements.stream()
        .map(e -> stack ? n.op("expand_dims", Map.of("axis", Long.toString(a)), e) : e).toArray(Symbol[]::new);
    return List.of(n.op("concatenate", Map.of("axis", Long.toString(a)), in));
  }
}
