package org.nnvm4j.graph;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.graph.ops.BitOps;
import org.nnvm4j.graph.ops.ConvNdOps;
import org.nnvm4j.graph.ops.ElemwiseOps;
import org.nnvm4j.graph.ops.IndexOps;
import org.nnvm4j.graph.ops.LayoutOps;
import org.nnvm4j.graph.ops.LrnOps;
import org.nnvm4j.graph.ops.MatmulOps;
import org.nnvm4j.graph.ops.NnOps;
import org.nnvm4j.graph.ops.NormOps;
import org.nnvm4j.graph.ops.PoolNdOps;
import org.nnvm4j.graph.ops.QuantOps;
import org.nnvm4j.graph.ops.ReduceOps;
import org.nnvm4j.graph.ops.ResizeOps;
import org.nnvm4j.graph.ops.SignalOps;
import org.nnvm4j.graph.ops.TransformOps;
import org.nnvm4j.graph.ops.VisionDetectOps;
import org.nnvm4j.graph.ops.VisionOps;

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
    ops.addAll(ConvNdOps.ops());
    ops.addAll(PoolNdOps.ops());
    ops.addAll(ResizeOps.ops());
    ops.addAll(LrnOps.ops());
    ops.addAll(NormOps.ops());
    ops.addAll(IndexOps.ops());
    ops.addAll(MatmulOps.ops());
    ops.addAll(BitOps.ops());
    ops.addAll(QuantOps.ops());
    ops.addAll(VisionOps.ops());
    ops.addAll(VisionDetectOps.ops());
    ops.addAll(SignalOps.ops());
    return ops;
  }
}
