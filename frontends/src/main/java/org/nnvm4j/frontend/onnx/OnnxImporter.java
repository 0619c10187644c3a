package org.nnvm4j.frontend.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.NodeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorShapeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TypeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ValueInfoProto;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.NodeEntry;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.frontend.ImportedModel;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * Imports an ONNX model: initializers become parameters, the other graph inputs variables, and each
 * node goes through the converter its op type has in {@link OnnxOps}. Every node that cannot be
 * imported is collected, and all of them are reported at once in one {@link CompileException}.
 */
public final class OnnxImporter {
  private final Path file;
  private final Map<String, Shape> shapeOverrides;
  private final Values values;
  private final List<String> problems = new ArrayList<>();

  private OnnxImporter(Path file, Map<String, Shape> shapeOverrides, Map<String, NDArray> bindable) {
    this.file = file;
    this.shapeOverrides = shapeOverrides;
    this.values = new Values(bindable);
  }

  /**
   * Imports {@code file}.
   *
   * @param shapes input shapes that replace the declared ones (needed where the model has symbolic dims)
   * @throws CompileException naming the file and every node that cannot be imported
   */
  public static ImportedModel importModel(Path file, Map<String, Shape> shapes) { return importModel(file, shapes, Map.of()); }

  /**
   * Imports {@code file}, binding a data input to its value in {@code bindable} where a converter needs
   * that input as a constant (a Reshape shape, Unsqueeze axes, Clip bounds given as graph inputs). A
   * bound input becomes a parameter (a copy of the value): the graph is specialized to it, as it is to
   * the input shapes. Inputs no converter needs as constants stay inputs.
   *
   * @throws CompileException naming the file and every node that cannot be imported
   */
  public static ImportedModel importModel(Path file, Map<String, Shape> shapes, Map<String, NDArray> bindable) {
    OnnxModelReader.Read read = OnnxModelReader.read(file);
    OnnxImporter imp = new OnnxImporter(file, shapes, bindable);
    try {
      return imp.convert(read);
    } catch (RuntimeException e) {
      imp.values.params.values().forEach(NDArray::close);
      throw e;
    }
  }

  private ImportedModel convert(OnnxModelReader.Read read) {
    GraphProto g = read.model().getGraph();
    Path dir = file.toAbsolutePath().getParent();
    for (TensorProto t : g.getInitializerList()) {
      if (t.getName().isEmpty()) throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "an initializer has no name");
      if (values.symbols.containsKey(t.getName())) {
        throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "initializer '" + t.getName() + "' is defined twice");
      }
      values.addInitializer(t.getName(), OnnxTensors.read(t, dir, file));
    }
    if (g.getSparseInitializerCount() > 0) problems.add("sparse initializers are not supported");
    Map<String, Shape> inputShapes = new LinkedHashMap<>();
    Map<String, DType> inputTypes = new LinkedHashMap<>();
    for (ValueInfoProto in : g.getInputList()) {
      if (values.params.containsKey(in.getName())) continue;
      declareInput(in, inputShapes, inputTypes);
    }
    Set<String> poisoned = new HashSet<>();
    Set<String> nodeNames = new HashSet<>();
    long opset = read.defaultOpset();
    for (int i = 0; i < g.getNodeCount(); i++) {
      NodeProto n = g.getNode(i);
      String name = n.getName().isEmpty() ? n.getOpType() + "_" + i : n.getName();
      while (!nodeNames.add(name)) name = name + "_" + i;
      convertNode(n, name, opset, read.opsets(), poisoned);
    }
    if (!problems.isEmpty()) {
      throw CompileException.all(ErrorCode.UNSUPPORTED, Span.file(file.toString()), problems.size() + " of " + g.getNodeCount()
          + " nodes of the ONNX model cannot be imported", problems);
    }
    List<Symbol> outs = new ArrayList<>();
    List<String> outNames = new ArrayList<>();
    for (ValueInfoProto o : g.getOutputList()) {
      Symbol s = values.symbols.get(o.getName());
      if (s == null && values.sequences.containsKey(o.getName())) {
        throw new CompileException(ErrorCode.UNSUPPORTED, Span.file(file.toString()),
            "graph output '" + o.getName() + "' is a sequence; nnvm4j resolves sequences while importing and returns tensors only");
      }
      if (s == null) throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "graph output '" + o.getName() + "' is never computed");
      // An output that is an input or a parameter gets a copy node: the deploy graph computes every output.
      if (s.outputs().get(0).node().isVariable()) s = Symbol.create("copy", "output_" + o.getName(), Map.of(), s);
      outs.add(s);
      outNames.add(o.getName());
    }
    if (outs.isEmpty()) throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "the graph has no outputs");
    Graph graph = Graph.create(Symbol.group(outs.toArray(Symbol[]::new)));
    Set<String> used = new HashSet<>();
    for (Node v : graph.inputs()) used.add(v.name());
    Map<String, NDArray> params = new LinkedHashMap<>();
    values.params.forEach((k, v) -> {
      if (used.contains(k)) params.put(k, v);
      else v.close();
    });
    inputShapes.keySet().retainAll(used);
    inputTypes.keySet().retainAll(used);
    inputShapes.keySet().removeAll(values.bound);
    inputTypes.keySet().removeAll(values.bound);
    return new ImportedModel(graph, params, inputShapes, inputTypes, outNames);
  }

  private void declareInput(ValueInfoProto in, Map<String, Shape> shapes, Map<String, DType> types) {
    String name = in.getName();
    TypeProto type = in.getType();
    if (!type.hasTensorType()) {
      problems.add("graph input '" + name + "' is a " + type.getValueCase() + ", not a tensor");
      values.poison(name);
      return;
    }
    DType dtype = OnnxDTypes.of(type.getTensorType().getElemType());
    if (dtype == null) {
      problems.add("graph input '" + name + "' has element type " + OnnxDTypes.name(type.getTensorType().getElemType())
          + ", which nnvm4j does not support");
      values.poison(name);
      return;
    }
    Shape shape = shapeOverrides.get(name);
    if (shape == null && type.getTensorType().hasShape()) shape = staticShape(type.getTensorType().getShape());
    values.addVariable(name, shape, dtype);
    types.put(name, dtype);
    if (shape != null) shapes.put(name, shape);
  }

  /** The shape when every dimension is a non-negative number, else null. */
  private static Shape staticShape(TensorShapeProto s) {
    long[] d = new long[s.getDimCount()];
    for (int i = 0; i < d.length; i++) {
      TensorShapeProto.Dimension dim = s.getDim(i);
      if (!dim.hasDimValue() || dim.getDimValue() < 0) return null;
      d[i] = dim.getDimValue();
    }
    return Shape.of(d);
  }

  private void convertNode(NodeProto n, String name, long opset, Map<String, Long> opsets, Set<String> poisoned) {
    String where = "node '" + name + "': ";
    String domain = n.getDomain().equals("ai.onnx") ? "" : n.getDomain();
    OpConverter conv = OnnxOps.converter(domain, n.getOpType());
    if (conv == null) {
      String dom = domain.isEmpty() ? "" : " of domain '" + domain + "' (opset " + opsets.getOrDefault(domain, 0L) + ")";
      problems.add(where + "ONNX " + n.getOpType() + dom + (domain.isEmpty() ? " (opset " + opset + ")" : "") + " is not supported");
      n.getOutputList().forEach(poisoned::add);
      return;
    }
    for (String in : n.getInputList()) {
      if (in.isEmpty()) continue;
      if (poisoned.contains(in) || values.poisoned.contains(in)) {
        n.getOutputList().forEach(poisoned::add);
        return;
      }
      if (!values.symbols.containsKey(in) && !values.sequences.containsKey(in)) {
        problems.add(where + "input '" + in + "' is used before it is defined");
        n.getOutputList().forEach(poisoned::add);
        return;
      }
    }
    try {
      OnnxNode node = new OnnxNode(n, name, opset, file, values);
      List<Symbol> outs = conv.convert(node);
      for (int k = 0; k < n.getOutputCount(); k++) {
        String out = n.getOutput(k);
        if (out.isEmpty()) continue;
        if (node.sequenceOutput(k) != null) {
          values.sequences.put(out, node.sequenceOutput(k));
          continue;
        }
        if (k >= outs.size()) throw node.unsupported("output " + k + " ('" + out + "') is not supported");
        values.bind(out, outs.get(k));
      }
    } catch (CompileException e) {
      problems.add(where + e.getMessage().replace(" (" + e.span() + ")", ""));
      n.getOutputList().forEach(poisoned::add);
    }
  }

  /** The symbol table: ONNX value names to symbols, with statically inferred shapes and dtypes, and the params. */
  static final class Values {
    final Map<String, Symbol> symbols = new HashMap<>();
    /** ONNX sequence values, resolved at import: their elements. */
    final Map<String, List<Symbol>> sequences = new HashMap<>();
    final Map<String, NDArray> params = new LinkedHashMap<>();
    final Set<String> poisoned = new HashSet<>();
    /** Data inputs bound to their values because a converter needed them as constants. */
    final Set<String> bound = new HashSet<>();
    private final Map<String, NDArray> bindable;
    private final Map<String, Shape> varShapes = new HashMap<>();
    private final Map<String, DType> varTypes = new HashMap<>();
    private final Map<Node, Shape[]> shapes = new IdentityHashMap<>();
    private final Map<Node, DType[]> types = new IdentityHashMap<>();

    /** Op nodes over constants, folded at import when a converter asks for their value (null: not foldable). */
    private final Map<Node, NDArray> folded = new IdentityHashMap<>();
    /** The largest value folded at import, in elements. */
    private static final long FOLD_LIMIT = 1 << 16;

    Values(Map<String, NDArray> bindable) { this.bindable = bindable; }

    Symbol symbol(String name) { return symbols.get(name); }

    void poison(String name) { poisoned.add(name); }

    void addVariable(String name, Shape shape, DType dtype) {
      symbols.put(name, Symbol.variable(name));
      if (shape != null) varShapes.put(name, shape);
      varTypes.put(name, dtype);
    }

    void addInitializer(String name, NDArray value) {
      params.put(name, value);
      addVariable(name, value.shape(), value.dtype());
    }

    Symbol addParam(String name, NDArray value) {
      String unique = name;
      for (int k = 1; symbols.containsKey(unique) || params.containsKey(unique); k++) unique = name + "_" + k;
      addInitializer(unique, value);
      return symbols.get(unique);
    }

    /** Binds ONNX value {@code name} to {@code s} and infers its shape and dtype now, while the chain is short. */
    void bind(String name, Symbol s) {
      symbols.put(name, s);
      NodeEntry e = s.outputs().get(0);
      shapes(e.node());
      types(e.node());
    }

    /**
     * The value of {@code name} when it is a parameter, a bindable data input, or the output of graph ops
     * over such values alone (shape arithmetic: Shape, Slice, Concat, Sub, ...), which is then folded by
     * running the ops' computes in the TIR interpreter; else null.
     */
    NDArray constant(String name) {
      Symbol s = symbols.get(name);
      return s == null ? null : value(s.outputs().get(0));
    }

    private NDArray value(NodeEntry e) {
      Node n = e.node();
      if (!n.isVariable()) {
        if (n.numOutputs() != 1) return null;
        if (!folded.containsKey(n)) folded.put(n, fold(n));
        return folded.get(n);
      }
      NDArray v = params.get(n.name());
      NDArray given = bindable.get(n.name());
      if (v == null && given != null) {
        v = NDArray.allocate(given.dtype(), given.shape()).copyFrom(given);
        params.put(n.name(), v);
        bound.add(n.name());
      }
      return v;
    }

    /** Runs op node {@code n} on its constant inputs in the interpreter; null when an input is not constant or the output is large. */
    private NDArray fold(Node n) {
      Shape out = shapes(n)[0];
      DType t = types(n)[0];
      if (out == null || t == null || out.numElements() > FOLD_LIMIT) return null;
      List<NDArray> args = new ArrayList<>();
      List<Tensor> in = new ArrayList<>();
      for (int i = 0; i < n.inputs().size(); i++) {
        NDArray a = value(n.inputs().get(i));
        if (a == null) return null;
        in.add(Te.placeholder(Te.shape(a.shape().toArray()), a.dtype(), "in" + i));
        args.add(a);
      }
      try {
        Tensor r = n.op().compute().compute(n.attrs(), in).get(0);
        List<Tensor> signature = new ArrayList<>(in);
        signature.add(r);
        PrimFunc f = Lower.lower(Schedule.create(r.op()), signature, "fold");
        NDArray result = NDArray.allocate(t, out);
        args.add(result);
        Interpreter.run(f, args);
        return result;
      } catch (RuntimeException ex) {
        // Not foldable here (for instance a compute that needs what the compiler adds); the node stays a graph op.
        return null;
      }
    }

    Shape shape(String name) {
      Symbol s = symbols.get(name);
      return s == null ? null : shape(s);
    }

    Shape shape(Symbol s) {
      NodeEntry e = s.outputs().get(0);
      return shapes(e.node())[e.index()];
    }

    List<Symbol> sequence(String name) { return sequences.get(name); }

    DType dtype(String name) {
      Symbol s = symbols.get(name);
      if (s == null) return null;
      NodeEntry e = s.outputs().get(0);
      return types(e.node())[e.index()];
    }

    private Shape[] shapes(Node n) {
      Shape[] known = shapes.get(n);
      if (known != null) return known;
      Shape[] out;
      if (n.isVariable()) {
        out = new Shape[] {varShapes.get(n.name())};
      } else {
        Shape[] in = new Shape[n.inputs().size()];
        for (int i = 0; i < in.length; i++) in[i] = shapes(n.inputs().get(i).node())[n.inputs().get(i).index()];
        out = inferOrNull(() -> n.op().inferShape().infer(n.attrs(), in), n.numOutputs(), Shape[]::new);
      }
      shapes.put(n, out);
      return out;
    }

    private DType[] types(Node n) {
      DType[] known = types.get(n);
      if (known != null) return known;
      DType[] out;
      if (n.isVariable()) {
        out = new DType[] {varTypes.get(n.name())};
      } else {
        DType[] in = new DType[n.inputs().size()];
        for (int i = 0; i < in.length; i++) in[i] = types(n.inputs().get(i).node())[n.inputs().get(i).index()];
        out = inferOrNull(() -> n.op().inferType().infer(n.attrs(), in), n.numOutputs(), DType[]::new);
      }
      types.put(n, out);
      return out;
    }

    /** The inferred values, or an array of nulls when inference cannot tell yet or fails (the compiler reports it then). */
    private static <T> T[] inferOrNull(java.util.function.Supplier<T[]> infer, int n, java.util.function.IntFunction<T[]> make) {
      try {
        T[] r = infer.get();
        if (r != null && r.length == n) return r;
      } catch (RuntimeException e) {
        // An inconsistency here is reported by InferShape/InferType when the graph is compiled.
      }
      return make.apply(n);
    }
  }
}
