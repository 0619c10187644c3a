package org.nnvm4j.frontend.onnx;

import java.util.List;
import java.util.Map;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * ONNX ops that need no new graph op: Identity, Constant, Shape, Size, ConstantOfShape, Range and EyeLike
 * (folded), Expand, Sum.
 */
final class TensorConverters {
  private TensorConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("Identity", n -> List.of(n.op("copy", Map.of(), n.input(0))));
    t.put("Constant", TensorConverters::constant);
    t.put("Shape", TensorConverters::shape);
    t.put("Size", n -> {
      Shape s = known(n);
      return List.of(n.param("size", longs(new long[] {s.numElements()}, Shape.scalar())));
    });
    t.put("Expand", TensorConverters::expand);
    t.put("ConstantOfShape", TensorConverters::constantOfShape);
    t.put("Range", TensorConverters::range);
    t.put("EyeLike", n -> {
      // Folds to a parameter: ones on diagonal k of the input's (static) 2-D shape, in dtype (default the input's).
      n.onlyAttrs("dtype", "k");
      Shape s = known(n);
      if (s.rank() != 2) throw n.unsupported("the input must be 2-D, got " + s);
      DType dtype = n.hasAttr("dtype") ? OnnxDTypes.of((int) n.attrInt("dtype", 0)) : n.dtype(0);
      if (dtype == null) throw n.unsupported("the output dtype is not supported");
      NDArray out = NDArray.allocate(dtype, s);
      long k = n.attrInt("k", 0);
      for (long i = 0; i < s.dim(0); i++) if (i + k >= 0 && i + k < s.dim(1)) out.setDouble(i * s.dim(1) + i + k, 1);
      return List.of(n.param("eye", out));
    });
    t.put("Sum", n -> {
      // Variadic sum of same-shape inputs as a chain of adds; a single input is a copy.
      Symbol y = n.numInputs() == 1 ? n.op("copy", Map.of(), n.input(0)) : n.input(0);
      for (int i = 1; i < n.numInputs(); i++) {
        if (n.shape(i) == null || !n.shape(i).equals(n.shape(0))) throw n.unsupported("inputs must share one known shape");
        y = n.op("elemwise_add", Map.of(), y, n.input(i));
      }
      return List.of(y);
    });
  }

  /** Shape folds to a constant: the input's static shape, sliced by start/end from opset 15. */
  private static List<Symbol> shape(OnnxNode n) {
    n.onlyAttrs("start", "end");
    long[] dims = known(n).toArray();
    int r = dims.length;
    long start = n.attrInt("start", 0);
    long end = n.attrInt("end", r);
    start = Math.clamp(start < 0 ? start + r : start, 0, r);
    end = Math.clamp(end < 0 ? end + r : end, 0, r);
    long[] out = java.util.Arrays.copyOfRange(dims, (int) start, (int) Math.max(start, end));
    return List.of(n.param("shape", longs(out, Shape.of(out.length))));
  }

  /**
   * Expand(x, shape) broadcasts x against a (constant) target shape: broadcast_add with zeros of that
   * shape, whose result has the broadcast of both shapes, as Expand's has.
   */
  private static List<Symbol> expand(OnnxNode n) {
    long[] target = n.constantInts(1);
    if (target == null) throw n.unsupported("the shape input must be a constant (an initializer or Constant)");
    org.nnvm4j.tensor.DType dtype = n.dtype(0);
    if (dtype == null) throw n.unsupported("the input dtype must be known");
    if (java.util.Arrays.stream(target).anyMatch(d -> d < 0)) throw n.unsupported("negative target dimension in " + java.util.Arrays.toString(target));
    if (Shape.of(target).equals(n.shape(0))) return List.of(n.op("copy", Map.of(), n.input(0)));
    Symbol zeros = n.param("zeros", NDArray.allocate(dtype, Shape.of(target)));
    return List.of(n.op("broadcast_add", Map.of(), n.input(0), zeros));
  }

  /** ConstantOfShape folds to a parameter: the (constant) shape filled with {@code value}'s one element (float32 0 by default). */
  private static List<Symbol> constantOfShape(OnnxNode n) {
    n.onlyAttrs("value");
    long[] dims = n.constantInts(0);
    if (dims == null) throw n.unsupported("the shape input must be a constant (an initializer or Constant)");
    NDArray fill = n.hasAttr("value") ? n.tensorAttr("value") : NDArray.allocate(DType.F32, Shape.scalar());
    if (fill.numElements() != 1) throw n.unsupported("attribute 'value' must hold one element, got shape " + fill.shape());
    NDArray out = NDArray.allocate(fill.dtype(), Shape.of(dims));
    long bytes = fill.dtype().bytes();
    for (long i = 0; i < out.numElements(); i++) {
      java.lang.foreign.MemorySegment.copy(fill.segment(), 0, out.segment(), i * bytes, bytes);
    }
    return List.of(n.param("value", out));
  }

  /** Range folds to a parameter: start, start + delta, ... up to limit (exclusive), from three constant scalars. */
  private static List<Symbol> range(OnnxNode n) {
    n.onlyAttrs();
    NDArray start = n.constant(0), limit = n.constant(1), delta = n.constant(2);
    if (start == null || limit == null || delta == null) throw n.unsupported("start, limit and delta must be constants");
    DType t = start.dtype();
    double s0 = start.getDouble(0), d = delta.getDouble(0);
    if (d == 0) throw n.unsupported("delta must not be 0");
    long count = Math.max(0, (long) Math.ceil((limit.getDouble(0) - s0) / d));
    NDArray out = NDArray.allocate(t, Shape.of(count));
    for (long i = 0; i < count; i++) {
      out.setDouble(i, s0 + i * d);
    }
    return List.of(n.param("range", out));
  }

  private static Shape known(OnnxNode n) {
    Shape s = n.shape(0);
    if (s == null) throw n.unsupported("the input shape must be known statically (it is folded to a constant)");
    return s;
  }

  /** Constant: {@code value} (a tensor) in every opset; the scalar and list forms from opset 12. */
  private static List<Symbol> constant(OnnxNode n) {
    NDArray value;
    AttributeProto a;
    if (n.hasAttr("value")) {
      value = n.tensorAttr("value");
    } else if ((a = n.attr("value_float")) != null) {
      value = NDArray.of(new float[] {a.getF()}, Shape.scalar());
    } else if ((a = n.attr("value_floats")) != null) {
      float[] v = new float[a.getFloatsCount()];
      for (int i = 0; i < v.length; i++) v[i] = a.getFloats(i);
      value = NDArray.of(v, Shape.of(v.length));
    } else if ((a = n.attr("value_int")) != null) {
      value = longs(new long[] {a.getI()}, Shape.scalar());
    } else if ((a = n.attr("value_ints")) != null) {
      long[] v = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
      value = longs(v, Shape.of(v.length));
    } else {
      throw n.unsupported("only the value, value_float(s) and value_int(s) forms are supported");
    }
    return List.of(n.param("value", value));
  }

  private static NDArray longs(long[] v, Shape shape) {
    NDArray a = NDArray.allocate(DType.I64, shape);
    for (int i = 0; i < v.length; i++) a.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i, v[i]);
    return a;
  }
}
