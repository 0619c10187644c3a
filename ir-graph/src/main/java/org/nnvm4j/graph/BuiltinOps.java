package org.nnvm4j.graph;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.graph.ops.ElemwiseOps;
import org.nnvm4j.graph.ops.LayoutOps;
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
    ops.addAll(LayoutOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.ConvNdOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.PoolNdOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.ResizeOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.LrnOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.IndexOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.MatmulOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.BitOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.QuantOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.VisionOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.VisionDetectOps.ops());
    ops.addAll(org.nnvm4j.graph.ops.SignalOps.ops());
    return ops;
  }
}
