package org.nnvm4j.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The symbolic graph-building API of NNVM ({@code nnvm.symbol}): a symbol is a list of output
 * entries; ops applied to symbols make new symbols.
 * <pre>{@code
 * Symbol x = Symbol.variable("x"), y = Symbol.variable("y");
 * Graph g = Graph.create(Symbol.elemwiseAdd(x, y));
 * }</pre>
 */
public final class Symbol {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final List<NodeEntry> outputs;

  private Symbol(List<NodeEntry> outputs) { this.outputs = List.copyOf(outputs); }

  /** A free variable: a graph input or a parameter. */
  public static Symbol variable(String name) { return new Symbol(List.of(new NodeEntry(Node.variable(name), 0))); }

  /** Applies the registered op {@code opName} to {@code inputs} (each must have one output). */
  public static Symbol create(String opName, Map<String, String> attrs, Symbol... inputs) {
    return create(opName, null, attrs, inputs);
  }

  /** Like {@link #create(String, Map, Symbol...)} with an explicit node name ({@code null}: generated). */
  public static Symbol create(String opName, String nodeName, Map<String, String> attrs, Symbol... inputs) {
    Op op = OpRegistry.get(opName);
    List<NodeEntry> in = new ArrayList<>();
    for (Symbol s : inputs) in.addAll(s.outputs);
    String name = nodeName != null ? nodeName : opName + COUNTER.getAndIncrement();
    Node n = Node.apply(op, name, attrs, in);
    List<NodeEntry> outs = new ArrayList<>();
    for (int i = 0; i < n.numOutputs(); i++) outs.add(new NodeEntry(n, i));
    return new Symbol(outs);
  }

  /** Groups several symbols into one with all their outputs. */
  public static Symbol group(Symbol... symbols) {
    List<NodeEntry> all = new ArrayList<>();
    Arrays.stream(symbols).forEach(s -> all.addAll(s.outputs));
    return new Symbol(all);
  }

  public List<NodeEntry> outputs() { return outputs; }

  /** Output {@code i} as its own symbol. */
  public Symbol get(int i) { return new Symbol(List.of(outputs.get(i))); }

  public static Symbol elemwiseAdd(Symbol lhs, Symbol rhs) { return create("elemwise_add", Map.of(), lhs, rhs); }

  public static Symbol elemwiseSub(Symbol lhs, Symbol rhs) { return create("elemwise_sub", Map.of(), lhs, rhs); }

  public static Symbol elemwiseMul(Symbol lhs, Symbol rhs) { return create("elemwise_mul", Map.of(), lhs, rhs); }

  public static Symbol elemwiseDiv(Symbol lhs, Symbol rhs) { return create("elemwise_div", Map.of(), lhs, rhs); }

  public static Symbol relu(Symbol data) { return create("relu", Map.of(), data); }

  public static Symbol negative(Symbol data) { return create("negative", Map.of(), data); }

  public static Symbol exp(Symbol data) { return create("exp", Map.of(), data); }

  public static Symbol sigmoid(Symbol data) { return create("sigmoid", Map.of(), data); }

  public static Symbol tanh(Symbol data) { return create("tanh", Map.of(), data); }

  public static Symbol sqrt(Symbol data) { return create("sqrt", Map.of(), data); }

  public static Symbol log(Symbol data) { return create("log", Map.of(), data); }

  public static Symbol broadcastAdd(Symbol lhs, Symbol rhs) { return create("broadcast_add", Map.of(), lhs, rhs); }

  public static Symbol broadcastSub(Symbol lhs, Symbol rhs) { return create("broadcast_sub", Map.of(), lhs, rhs); }

  public static Symbol broadcastMul(Symbol lhs, Symbol rhs) { return create("broadcast_mul", Map.of(), lhs, rhs); }

  public static Symbol broadcastDiv(Symbol lhs, Symbol rhs) { return create("broadcast_div", Map.of(), lhs, rhs); }

  /** {@code data + scalar} (NNVM {@code __add_scalar__}). */
  public static Symbol addScalar(Symbol data, double scalar) { return create("__add_scalar__", Map.of("scalar", num(scalar)), data); }

  /** {@code data * scalar} (NNVM {@code __mul_scalar__}). */
  public static Symbol mulScalar(Symbol data, double scalar) { return create("__mul_scalar__", Map.of("scalar", num(scalar)), data); }

  /** {@code scalar / data} (NNVM {@code __rdiv_scalar__}). */
  public static Symbol rdivScalar(Symbol data, double scalar) { return create("__rdiv_scalar__", Map.of("scalar", num(scalar)), data); }

  public static Symbol clip(Symbol data, double min, double max) {
    return create("clip", Map.of("a_min", num(min), "a_max", num(max)), data);
  }

  public static Symbol leakyRelu(Symbol data, double alpha) { return create("leaky_relu", Map.of("alpha", num(alpha)), data); }

  /** Reshape with NNVM's special values (0 copy, -1 infer, -2 copy rest, -3 merge two). */
  public static Symbol reshape(Symbol data, int... shape) { return create("reshape", Map.of("shape", tuple(shape)), data); }

  /** Permutes the dimensions; no axes reverses them. */
  public static Symbol transpose(Symbol data, int... axes) { return create("transpose", Map.of("axes", tuple(axes)), data); }

  public static Symbol flatten(Symbol data) { return create("flatten", Map.of(), data); }

  public static Symbol concatenate(int axis, Symbol... inputs) { return create("concatenate", Map.of("axis", Integer.toString(axis)), inputs); }

  public static Symbol expandDims(Symbol data, int axis, int count) {
    return create("expand_dims", Map.of("axis", Integer.toString(axis), "num_newaxis", Integer.toString(count)), data);
  }

  /** Removes the listed dimensions of extent 1, or all of them when none is listed. */
  public static Symbol squeeze(Symbol data, int... axes) { return create("squeeze", Map.of("axis", tuple(axes)), data); }

  /** {@code data * weight^T + bias}; a null {@code bias} means {@code use_bias=False}. */
  public static Symbol dense(Symbol data, Symbol weight, Symbol bias, int units) {
    Map<String, String> a = Map.of("units", Integer.toString(units), "use_bias", bias == null ? "False" : "True");
    return bias == null ? create("dense", a, data, weight) : create("dense", a, data, weight, bias);
  }

  /**
   * NCHW conv2d with a square kernel, stride and padding; {@code extra} adds or overrides attributes
   * ({@code dilation}, {@code groups}, ...); a null {@code bias} means {@code use_bias=False}.
   */
  public static Symbol conv2d(Symbol data, Symbol weight, Symbol bias, int channels, int kernel, int stride, int padding,
      Map<String, String> extra) {
    Map<String, String> a = new java.util.LinkedHashMap<>();
    a.put("channels", Integer.toString(channels));
    a.put("kernel_size", tuple(kernel, kernel));
    a.put("strides", tuple(stride, stride));
    a.put("padding", tuple(padding, padding));
    a.put("use_bias", bias == null ? "False" : "True");
    a.putAll(extra);
    return bias == null ? create("conv2d", a, data, weight) : create("conv2d", a, data, weight, bias);
  }

  public static Symbol maxPool2d(Symbol data, int size, int stride, int padding) {
    return create("max_pool2d", Map.of("pool_size", tuple(size, size), "strides", tuple(stride, stride), "padding", tuple(padding, padding)),
        data);
  }

  public static Symbol avgPool2d(Symbol data, int size, int stride, int padding) {
    return create("avg_pool2d", Map.of("pool_size", tuple(size, size), "strides", tuple(stride, stride), "padding", tuple(padding, padding)),
        data);
  }

  public static Symbol globalAvgPool2d(Symbol data) { return create("global_avg_pool2d", Map.of(), data); }

  public static Symbol globalMaxPool2d(Symbol data) { return create("global_max_pool2d", Map.of(), data); }

  public static Symbol softmax(Symbol data, int axis) { return create("softmax", Map.of("axis", Integer.toString(axis)), data); }

  public static Symbol logSoftmax(Symbol data, int axis) { return create("log_softmax", Map.of("axis", Integer.toString(axis)), data); }

  /** Inference batch normalization along axis 1. */
  public static Symbol batchNorm(Symbol data, Symbol gamma, Symbol beta, Symbol mean, Symbol var, double epsilon) {
    return create("batch_norm", Map.of("epsilon", num(epsilon)), data, gamma, beta, mean, var);
  }

  public static Symbol dropout(Symbol data, double rate) { return create("dropout", Map.of("rate", num(rate)), data); }

  /** The sum over {@code axes} (all when none). */
  public static Symbol sum(Symbol data, boolean keepDims, int... axes) { return reduce("sum", data, keepDims, axes); }

  public static Symbol max(Symbol data, boolean keepDims, int... axes) { return reduce("max", data, keepDims, axes); }

  public static Symbol mean(Symbol data, boolean keepDims, int... axes) { return reduce("mean", data, keepDims, axes); }

  private static Symbol reduce(String op, Symbol data, boolean keepDims, int... axes) {
    return create(op, Map.of("axis", tuple(axes), "keepdims", keepDims ? "True" : "False"), data);
  }

  private static String num(double v) { return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v); }

  private static String tuple(int... v) { return org.nnvm4j.graph.ops.OpAttrs.tuple(v); }

  @Override public String toString() { return Graph.create(this).ir(); }
}
