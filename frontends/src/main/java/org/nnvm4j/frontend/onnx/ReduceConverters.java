package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.bool;
import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.graph.Symbol;

/**
 * Reductions: ArgMax, ArgMin, CumSum, ReduceSum (axes an input from opset 13), ReduceMax, ReduceMin, ReduceProd and ReduceMean (from opset 18), and
 * ReduceSumSquare/L1/L2/LogSum/LogSumExp composed from sum (axes an input from opset 18).
 */
final class ReduceConverters {
  private ReduceConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("ReduceSum", n -> reduce(n, "sum", 13));
    t.put("ReduceMax", n -> reduce(n, "max", 18));
    t.put("ReduceMean", n -> reduce(n, "mean", 18));
    t.put("ReduceMin", n -> reduce(n, "min", 18));
    t.put("ReduceProd", n -> reduce(n, "prod", 18));
    t.put("ArgMax", n -> arg(n, "argmax"));
    t.put("ArgMin", n -> arg(n, "argmin"));
    t.put("CumSum", n -> {
      n.onlyAttrs("exclusive", "reverse");
      long[] axis = n.constantInts(1);
      if (axis == null || axis.length != 1) throw n.unsupported("the axis input must be a one-element constant");
      return List.of(n.op("cumsum", Map.of("axis", Long.toString(axis[0]), "exclusive", bool(n.attrInt("exclusive", 0) != 0),
          "reverse", bool(n.attrInt("reverse", 0) != 0)), n.input(0)));
    });
    // Compositions: sum of squares, L1, L2, log of sum, log-sum-exp.
    t.put("ReduceSumSquare", n -> List.of(reduced(n, "sum", n.op("elemwise_mul", Map.of(), n.input(0), n.input(0)))));
    t.put("ReduceL1", n -> List.of(reduced(n, "sum", CompositeConverters.abs(n, n.input(0)))));
    t.put("ReduceL2", n -> List.of(n.op("sqrt", Map.of(), reduced(n, "sum", n.op("elemwise_mul", Map.of(), n.input(0), n.input(0))))));
    t.put("ReduceLogSum", n -> List.of(n.op("log", Map.of(), reduced(n, "sum", n.input(0)))));
    t.put("ReduceLogSumExp", n -> List.of(n.op("log", Map.of(), reduced(n, "sum", n.op("exp", Map.of(), n.input(0))))));
  }

  /** ArgMax/ArgMin: axis (default 0), keepdims (default 1), select_last_index (opset 12). */
  private static List<Symbol> arg(OnnxNode n, String op) {
    n.onlyAttrs("axis", "keepdims", "select_last_index");
    return List.of(n.op(op, Map.of("axis", Long.toString(n.attrInt("axis", 0)), "keepdims", bool(n.attrInt("keepdims", 1) != 0),
        "select_last_index", bool(n.attrInt("select_last_index", 0) != 0)), n.input(0)));
  }

  private static List<Symbol> reduce(OnnxNode n, String op, int axesInputSince) {
    return List.of(reduced(n, op, n.input(0), axesInputSince));
  }

  /** Reduces {@code x} (the node's input or a value computed from it) with the node's axes; axes are an input from opset 18. */
  private static Symbol reduced(OnnxNode n, String op, Symbol x) { return reduced(n, op, x, 18); }

  private static Symbol reduced(OnnxNode n, String op, Symbol x, int axesInputSince) {
    long[] axes = ShapeConverters.axes(n, axesInputSince);
    boolean empty = axes == null || axes.length == 0;
    if (empty && n.attrInt("noop_with_empty_axes", 0) != 0) return n.op("copy", Map.of(), x);
    Map<String, String> a = new LinkedHashMap<>();
    if (!empty) a.put("axis", tuple(axes));
    a.put("keepdims", bool(n.attrInt("keepdims", 1) != 0));
    return n.op(op, a, x);
  }
}
