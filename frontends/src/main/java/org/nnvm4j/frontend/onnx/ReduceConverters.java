package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.OnnxNode.bool;
import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reductions: ReduceSum (axes an input from opset 13), ReduceMax and ReduceMean (from opset 18). */
final class ReduceConverters {
  private ReduceConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("ReduceSum", n -> reduce(n, "sum", 13));
    t.put("ReduceMax", n -> reduce(n, "max", 18));
    t.put("ReduceMean", n -> reduce(n, "mean", 18));
  }

  private static List<org.nnvm4j.graph.Symbol> reduce(OnnxNode n, String op, int axesInputSince) {
    long[] axes = ShapeConverters.axes(n, axesInputSince);
    boolean empty = axes == null || axes.length == 0;
    if (empty && n.attrInt("noop_with_empty_axes", 0) != 0) return List.of(n.op("copy", Map.of(), n.input(0)));
    Map<String, String> a = new LinkedHashMap<>();
    if (!empty) a.put("axis", tuple(axes));
    a.put("keepdims", bool(n.attrInt("keepdims", 1) != 0));
    return List.of(n.op(op, a, n.input(0)));
  }
}
