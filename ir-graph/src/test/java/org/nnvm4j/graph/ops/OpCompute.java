package org.nnvm4j.graph.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.PrimFunc;

/** Test helper: runs one op node's compute in the TIR interpreter, with shapes from the op's own inference. */
final class OpCompute {
  private OpCompute() {}

  /** Random floats in [-1, 1) of {@code shape}. */
  static NDArray random(long seed, long... shape) {
    Random r = new Random(seed);
    float[] v = new float[(int) Shape.of(shape).numElements()];
    for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
    return NDArray.of(v, Shape.of(shape));
  }

  /** The output of op {@code op} with {@code attrs} on {@code inputs} (placeholders and output take the computed dtypes). */
  static NDArray run(String op, Map<String, String> attrs, NDArray... inputs) {
    Symbol[] vars = new Symbol[inputs.length];
    Map<String, Shape> shapes = new LinkedHashMap<>();
    for (int i = 0; i < inputs.length; i++) {
      vars[i] = Symbol.variable("in" + i);
      shapes.put("in" + i, inputs[i].shape());
    }
    Graph g = InferShape.apply(Graph.create(Symbol.create(op, attrs, vars)), shapes);
    Node n = g.nodes().get(g.nodes().size() - 1);
    List<Tensor> in = new ArrayList<>();
    for (int i = 0; i < inputs.length; i++) in.add(Te.placeholder(Te.shape(inputs[i].shape().toArray()), inputs[i].dtype(), "in" + i));
    Tensor out = n.op().compute().compute(n.attrs(), in).get(0);
    Shape outShape = g.attr(Graph.SHAPE, Shape[].class)[g.numEntries() - 1];
    List<Tensor> args = new ArrayList<>(in);
    args.add(out);
    PrimFunc f = Lower.lower(Schedule.create(out.op()), args, op);
    NDArray result = NDArray.allocate(out.dtype(), outShape);
    List<NDArray> arrays = new ArrayList<>(List.of(inputs));
    arrays.add(result);
    Interpreter.run(f, arrays);
    return result;
  }
}
