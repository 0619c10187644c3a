package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.bool;
import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.Linalg;

/**
 * Indexing, selection and small tensor ops: GatherND, ScatterElements/Scatter/ScatterND, OneHot, Hardmax,
 * TopK, ReverseSequence, Einsum, Det, BitShift, CastLike, Dropout (inference, or training with ratio 0),
 * the window functions (folded to parameters), training-mode BatchNormalization, and If with a constant
 * condition (the chosen branch inlined).
 */
final class IndexConverters {
  private IndexConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("GatherND", n -> {
      n.onlyAttrs("batch_dims");
      return List.of(n.op("gather_nd", Map.of("batch_dims", Long.toString(n.attrInt("batch_dims", 0))), n.input(0), n.input(1)));
    });
    t.put("ScatterElements", n -> scatterElements(n));
    t.put("Scatter", n -> scatterElements(n));
    t.put("ScatterND", n -> {
      n.onlyAttrs("reduction");
      return List.of(n.op("scatter_nd", Map.of("reduction", n.attrString("reduction", "none")), n.input(0), n.input(1), n.input(2)));
    });
    t.put("OneHot", IndexConverters::oneHot);
    t.put("Hardmax", IndexConverters::hardmax);
    t.put("TopK", IndexConverters::topk);
    t.put("ReverseSequence", n -> {
      n.onlyAttrs("batch_axis", "time_axis");
      return List.of(n.op("reverse_sequence", Map.of("batch_axis", Long.toString(n.attrInt("batch_axis", 1)),
          "time_axis", Long.toString(n.attrInt("time_axis", 0))), n.input(0), n.input(1)));
    });
    t.put("Einsum", IndexConverters::einsum);
    t.put("Det", n -> List.of(n.op("det", Map.of(), n.input(0))));
    t.put("BitShift", n -> {
      n.onlyAttrs("direction");
      String dir = n.attrString("direction", "");
      if (!dir.equals("LEFT") && !dir.equals("RIGHT")) throw n.unsupported("direction must be LEFT or RIGHT, got '" + dir + "'");
      return List.of(n.op(dir.equals("LEFT") ? "left_shift" : "right_shift", Map.of(), n.input(0), n.input(1)));
    });
    t.put("CastLike", n -> {
      n.onlyAttrs("saturate");
      DType target = n.dtype(1);
      if (target == null) throw n.unsupported("the dtype of input 'target_type' must be known");
      return List.of(ElementwiseConverters.castTo(n, target));
    });
    t.put("Dropout", IndexConverters::dropout);
    t.put("If", n -> {
      // A constant condition selects one branch, whose nodes are imported in its place.
      NDArray cond = n.constant(0);
      if (cond == null || cond.numElements() != 1) throw n.unsupported("the condition must be a one-element constant (data-dependent control flow is not supported)");
      return n.importBranch(cond.getDouble(0) != 0 ? "then_branch" : "else_branch");
    });
    t.put("HannWindow", n -> window(n, new double[] {0.5, -0.5}));
    t.put("HammingWindow", n -> window(n, new double[] {25.0 / 46, -21.0 / 46}));
    t.put("BlackmanWindow", n -> window(n, new double[] {0.42, -0.5, 0.08}));
  }

  /**
   * Einsum: a two-operand contraction without diagonals, one-sided sums or broadcast batch dimensions
   * becomes transposes and reshapes around batch_matmul (which has the x86 strategy); anything else is
   * the general einsum compute.
   */
  private static List<Symbol> einsum(OnnxNode n) {
    n.onlyAttrs("equation");
    String eq = n.attrString("equation", "");
    if (n.numInputs() == 2 && n.shape(0) != null && n.shape(1) != null) {
      Symbol viaMatmul = einsumAsMatmul(n, eq, n.shape(0).toArray(), n.shape(1).toArray());
      if (viaMatmul != null) return List.of(viaMatmul);
    }
    Symbol[] in = new Symbol[n.numInputs()];
    for (int i = 0; i < in.length; i++) in[i] = n.input(i);
    return List.of(n.op("einsum", Map.of("equation", eq), in));
  }

  /** {@code a} and {@code b} contracted as {@code [batch, M, K] x [batch, K, N]}, or null when the equation does not fit that form. */
  private static Symbol einsumAsMatmul(OnnxNode n, String eq, long[] sa, long[] sb) {
    Linalg.EinsumSpec spec;
    try {
      spec = Linalg.parseEinsum(eq, new int[] {sa.length, sb.length});
    } catch (org.nnvm4j.pass.diag.CompileException e) {
      return null; // the einsum op reports it, naming the node
    }
    int[] a = spec.inputs().get(0), b = spec.inputs().get(1), out = spec.output();
    if (repeats(a) || repeats(b)) return null;
    List<Integer> batch = new ArrayList<>(), contract = new ArrayList<>(), freeA = new ArrayList<>(), freeB = new ArrayList<>();
    for (int l : a) {
      boolean inB = indexOf(b, l) >= 0, inOut = indexOf(out, l) >= 0;
      if (inB && inOut) batch.add(l);
      else if (inB) contract.add(l);
      else if (inOut) freeA.add(l);
      else return null;
    }
    for (int l : b) {
      if (indexOf(a, l) < 0) {
        if (indexOf(out, l) < 0) return null;
        freeB.add(l);
      }
    }
    for (int l : batch) if (sa[indexOf(a, l)] != sb[indexOf(b, l)]) return null;
    for (int l : contract) if (sa[indexOf(a, l)] != sb[indexOf(b, l)]) return null;
    long[] bmmA = {extent(batch, a, sa), extent(freeA, a, sa), extent(contract, a, sa)};
    long[] bmmB = {extent(batch, b, sb), extent(contract, b, sb), extent(freeB, b, sb)};
    Symbol x = reshape(n, permute(n, n.input(0), a, concat(batch, freeA, contract)), shapeOf(concat(batch, freeA, contract), a, sa, b, sb), bmmA);
    Symbol y = reshape(n, permute(n, n.input(1), b, concat(batch, contract, freeB)), shapeOf(concat(batch, contract, freeB), a, sa, b, sb), bmmB);
    List<Integer> got = concat(batch, freeA, freeB);
    Symbol z = reshape(n, n.op("batch_matmul", Map.of(), x, y), new long[] {bmmA[0], bmmA[1], bmmB[2]}, shapeOf(got, a, sa, b, sb));
    return permute(n, z, got.stream().mapToInt(Integer::intValue).toArray(), java.util.Arrays.stream(out).boxed().toList());
  }

  /** The extents of {@code letters}, read from whichever operand has each. */
  private static long[] shapeOf(List<Integer> letters, int[] a, long[] sa, int[] b, long[] sb) {
    long[] out = new long[letters.size()];
    for (int d = 0; d < out.length; d++) out[d] = indexOf(a, letters.get(d)) >= 0 ? sa[indexOf(a, letters.get(d))] : sb[indexOf(b, letters.get(d))];
    return out;
  }

  /** {@code s} of shape {@code from} reshaped to {@code to}; itself when they are equal. */
  private static Symbol reshape(OnnxNode n, Symbol s, long[] from, long[] to) {
    return java.util.Arrays.equals(from, to) ? s : n.op("reshape", Map.of("shape", tuple(to)), s);
  }

  /** {@code s} (whose dimensions carry {@code letters}) transposed into {@code order}; itself when already in order. */
  private static Symbol permute(OnnxNode n, Symbol s, int[] letters, List<Integer> order) {
    long[] axes = new long[order.size()];
    boolean identity = true;
    for (int d = 0; d < axes.length; d++) {
      axes[d] = indexOf(letters, order.get(d));
      identity &= axes[d] == d;
    }
    return identity ? s : n.op("transpose", Map.of("axes", tuple(axes)), s);
  }

  private static long extent(List<Integer> group, int[] letters, long[] shape) {
    long p = 1;
    for (int l : group) p *= shape[indexOf(letters, l)];
    return p;
  }

  @SafeVarargs
  private static List<Integer> concat(List<Integer>... parts) {
    List<Integer> out = new ArrayList<>();
    for (List<Integer> p : parts) out.addAll(p);
    return out;
  }

  private static int indexOf(int[] letters, int l) {
    for (int i = 0; i < letters.length; i++) if (letters[i] == l) return i;
    return -1;
  }

  private static boolean repeats(int[] letters) {
    for (int i = 0; i < letters.length; i++) if (indexOf(letters, letters[i]) != i) return true;
    return false;
  }

  /** ScatterElements (and Scatter, its older name): axis and, from opset 16, reduction. */
  private static List<Symbol> scatterElements(OnnxNode n) {
    n.onlyAttrs("axis", "reduction");
    Map<String, String> a = Map.of("axis", Long.toString(n.attrInt("axis", 0)), "reduction", n.attrString("reduction", "none"));
    return List.of(n.op("scatter_elements", a, n.input(0), n.input(1), n.input(2)));
  }

  /** OneHot(indices, depth, values): depth must be a constant (any numeric type); values [off, on] may be data. */
  private static List<Symbol> oneHot(OnnxNode n) {
    n.onlyAttrs("axis");
    NDArray depth = n.constant(1);
    if (depth == null || depth.numElements() != 1) throw n.unsupported("input 'depth' must be a one-element constant");
    long d = (long) depth.getDouble(0);
    if (d < 1) throw n.unsupported("depth must be positive, got " + d);
    return List.of(n.op("one_hot", Map.of("depth", Long.toString(d), "axis", Long.toString(n.attrInt("axis", -1))), n.input(0), n.input(2)));
  }

  /**
   * Hardmax: 1 at the first maximum along axis, 0 elsewhere, as argmax then one_hot. Before opset 13 the
   * input is coerced to 2-D at axis (default 1) and the result reshaped back.
   */
  private static List<Symbol> hardmax(OnnxNode n) {
    n.onlyAttrs("axis");
    Shape s = n.shape(0);
    DType t = n.dtype(0);
    if (s == null || t == null || s.rank() < 1) throw n.unsupported("the input shape and dtype must be known, got " + s);
    int axis = (int) n.attrInt("axis", n.opset() >= 13 ? -1 : 1);
    if (axis < 0) axis += s.rank();
    if (axis < 0 || axis >= s.rank()) throw n.unsupported("axis " + n.attrInt("axis", 0) + " is out of range for rank " + s.rank());
    Symbol x = n.input(0);
    long depth = s.dim(axis);
    if (n.opset() < 13) {
      long outer = 1;
      for (int d = 0; d < axis; d++) outer *= s.dim(d);
      depth = s.numElements() / Math.max(1, outer);
      x = n.op("reshape", Map.of("shape", tuple(outer, depth)), x);
      axis = 1;
    }
    NDArray values = NDArray.allocate(t, Shape.of(2));
    values.setDouble(1, 1);
    Symbol arg = n.op("argmax", Map.of("axis", Integer.toString(axis)), x);
    Symbol y = n.op("one_hot", Map.of("depth", Long.toString(depth), "axis", Integer.toString(axis)), arg, n.param("values", values));
    if (n.opset() < 13) y = n.op("reshape", Map.of("shape", tuple(s.toArray())), y);
    return List.of(y);
  }

  /** TopK: k an attribute before opset 10, a constant input after; values and int64 indices, one node each. */
  private static List<Symbol> topk(OnnxNode n) {
    n.onlyAttrs("k", "axis", "largest", "sorted");
    long k;
    if (n.opset() < 10) {
      k = n.attrInt("k", -1);
    } else {
      long[] v = n.constantInts(1);
      if (v == null || v.length != 1) throw n.unsupported("input 'K' must be a one-element constant");
      k = v[0];
    }
    Map<String, String> a = new LinkedHashMap<>();
    a.put("k", Long.toString(k));
    a.put("axis", Long.toString(n.attrInt("axis", -1)));
    a.put("is_ascend", bool(n.attrInt("largest", 1) == 0));
    List<Symbol> out = new ArrayList<>();
    for (String ret : List.of("values", "indices").subList(0, Math.max(1, Math.min(2, n.numOutputs())))) {
      Map<String, String> r = new LinkedHashMap<>(a);
      r.put("ret_type", ret);
      out.add(n.op("topk", r, n.input(0)));
    }
    return out;
  }

  /**
   * Dropout at inference (or in training with ratio 0, which drops nothing): the output is the input and
   * the optional mask is all true. Training with a ratio above 0 draws a random mask and is refused.
   */
  private static List<Symbol> dropout(OnnxNode n) {
    n.onlyAttrs("ratio", "is_test", "seed", "consumed_inputs");
    boolean training = false;
    if (n.hasInput(2)) {
      NDArray mode = n.constant(2);
      if (mode == null) throw n.unsupported("input 'training_mode' must be a constant");
      training = mode.getDouble(0) != 0;
    }
    if (training) {
      double ratio = n.attrFloat("ratio", 0.5f);
      if (n.hasInput(1)) {
        NDArray r = n.constant(1);
        if (r == null) throw n.unsupported("input 'ratio' must be a constant in training mode");
        ratio = r.getDouble(0);
      }
      if (ratio != 0) throw n.unsupported("training_mode=true with ratio " + ratio + " draws a random mask, which is not reproducible");
    }
    Symbol y = n.op("copy", Map.of(), n.input(0));
    if (n.numOutputs() < 2) return List.of(y);
    Shape s = n.shape(0);
    if (s == null) throw n.unsupported("the input shape must be known for the mask output");
    NDArray mask = NDArray.allocate(DType.BOOL, s);
    for (long i = 0; i < s.numElements(); i++) mask.setDouble(i, 1);
    return List.of(y, n.param("mask", mask));
  }

  /**
   * BatchNormalization with training_mode=1: normalizes with the batch's own mean and (population)
   * variance over every axis but 1, and outputs the running statistics updated with momentum:
   * {@code running = input * momentum + batch * (1 - momentum)}.
   */
  static List<Symbol> batchNormTraining(OnnxNode n) {
    Shape s = n.shape(0);
    if (s == null || s.rank() < 2) throw n.unsupported("training mode needs a known input of rank >= 2, got " + s);
    long[] axes = new long[s.rank() - 1];
    for (int d = 0, k = 0; d < s.rank(); d++) if (d != 1) axes[k++] = d;
    Map<String, String> reduce = Map.of("axis", tuple(axes), "keepdims", "True");
    Map<String, String> toChannels = Map.of("shape", tuple(s.dim(1)));
    Symbol meanK = n.op("mean", reduce, n.input(0));
    Symbol centered = n.op("broadcast_sub", Map.of(), n.input(0), meanK);
    Symbol varK = n.op("mean", reduce, n.op("elemwise_mul", Map.of(), centered, centered));
    Symbol mean = n.op("reshape", toChannels, meanK);
    Symbol var = n.op("reshape", toChannels, varK);
    Symbol y = n.op("batch_norm", Map.of("axis", "1", "epsilon", Float.toString(n.attrFloat("epsilon", 1e-5f))),
        n.input(0), n.input(1), n.input(2), mean, var);
    if (n.numOutputs() == 1) return List.of(y);
    float momentum = n.attrFloat("momentum", 0.9f);
    return List.of(y, running(n, n.input(3), mean, momentum), running(n, n.input(4), var, momentum));
  }

  /** {@code old * momentum + batch * (1 - momentum)}. */
  private static Symbol running(OnnxNode n, Symbol old, Symbol batch, float momentum) {
    return n.op("elemwise_add", Map.of(), n.op("__mul_scalar__", Map.of("scalar", Float.toString(momentum)), old),
        n.op("__mul_scalar__", Map.of("scalar", Double.toString(1.0 - momentum)), batch));
  }

  /**
   * A cosine-sum window of constant size N folded to a parameter: {@code sum_m a[m] cos(2 pi m k / D)},
   * {@code D = N} when periodic (the default), {@code N - 1} when symmetric; dtype from output_datatype.
   */
  private static List<Symbol> window(OnnxNode n, double[] a) {
    n.onlyAttrs("periodic", "output_datatype");
    long[] size = n.constantInts(0);
    if (size == null || size.length != 1) throw n.unsupported("input 'size' must be a one-element constant");
    if (size[0] < 0) throw n.unsupported("size must not be negative, got " + size[0]);
    DType t = OnnxDTypes.of((int) n.attrInt("output_datatype", 1));
    if (t == null) throw n.unsupported("output_datatype " + OnnxDTypes.name((int) n.attrInt("output_datatype", 1)) + " is not supported");
    long count = size[0];
    double denom = n.attrInt("periodic", 1) != 0 ? count : count - 1;
    NDArray w = NDArray.allocate(t, Shape.of(count));
    for (long k = 0; k < count; k++) {
      double v = 0;
      for (int m = 0; m < a.length; m++) v += a[m] * (denom == 0 ? 1 : Math.cos(2 * Math.PI * m * k / denom));
      w.setDouble(k, v);
    }
    return List.of(n.param("window", w));
  }
}
