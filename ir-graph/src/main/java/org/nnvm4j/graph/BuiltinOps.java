package org.nnvm4j.graph;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.graph.ops.ElemwiseOps;
import org.nnvm4j.graph.ops.NnOps;
import org.nnvm4j.graph.ops.ReduceOps;
import org.nnvm4j.graph.ops.TransformOps;

/** The ops nnvm4j registers itself, gathered from the op families in {@code org.nnvm4j.graph.ops}. */
public final class BuiltinOps implements OpProvider {
  @Override
  public List<Op> ops() {
    List<Op> ops = new ArrayList<>();
    ops.addAll(ElemwiseOps.ops());
    ops.addAll(TransformOps.ops());
    ops.addAll(NnOps.ops());
    ops.addAll(ReduceOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.QuantOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.VisionOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.SignalOps.ops());
    return ops;
  }
}
