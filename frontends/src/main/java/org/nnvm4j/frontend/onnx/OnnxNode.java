package org.nnvm4j.frontend.onnx;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.NodeProto;
import org.nnvm4j.graph.OpRegistry;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * What a converter sees of one ONNX node: its inputs as symbols with their statically known shapes
 * and dtypes, its attributes, its opset version, and a factory for graph ops named after the node.
 */
final class OnnxNode {
  private final NodeProto proto;
  private final String name;
  private final long opset;
  private final Path file;
  private final OnnxImporter.Values values;
  private final Map<String, AttributeProto> attrs = new LinkedHashMap<>();
  private final Map<Integer, List<Symbol>> sequenceOutputs = new java.util.HashMap<>();
  private int created;

  OnnxNode(NodeProto proto, String name, long opset, Path file, OnnxImporter.Values values) {
    this.proto = proto;
    this.name = name;
    this.opset = opset;
    this.file = file;
    this.values = values;
    for (AttributeProto a : proto.getAttributeList()) attrs.put(a.getName(), a);
  }

  String opType() { return proto.getOpType(); }

  String name() { return name; }

  /** The default-domain opset the model imports (per-opset semantics key on it). */
  long opset() { return opset; }

  int numInputs() { return proto.getInputCount(); }

  int numOutputs() { return proto.getOutputCount(); }

  /** Whether optional input {@code i} is given (present and not the empty name). */
  boolean hasInput(int i) { return i < proto.getInputCount() && !proto.getInput(i).isEmpty(); }

  Symbol input(int i) {
    if (!hasInput(i)) throw unsupported("input " + i + " is missing");
    return values.symbol(proto.getInput(i));
  }

  /**
   * The elements of sequence input {@code i}. Sequences exist at import time only: every sequence op
   * is resolved while importing, so their lengths and positions must be known statically.
   */
  List<Symbol> sequence(int i) {
    List<Symbol> s = hasInput(i) ? values.sequence(proto.getInput(i)) : null;
    if (s == null) throw unsupported("input " + i + " must be a sequence");
    return s;
  }

  /** Makes output {@code k} the sequence {@code elements} (a converter that does so returns no symbol for it). */
  void outputSequence(int k, List<Symbol> elements) { sequenceOutputs.put(k, List.copyOf(elements)); }

  /** The sequence a converter made output {@code k}, or null when it is a tensor. */
  List<Symbol> sequenceOutput(int k) { return sequenceOutputs.get(k); }

  /** The static shape of {@code s} (an input or an element of a sequence), or null when unknown. */
  Shape shapeOf(Symbol s) { return values.shape(s); }

  /** The static shape of input {@code i}, or null when unknown. */
  Shape shape(int i) { return values.shape(proto.getInput(i)); }

  /** The static dtype of input {@code i}, or null when unknown. */
  DType dtype(int i) { return values.dtype(proto.getInput(i)); }

  /** The value of input {@code i} when it is a parameter (an initializer or a Constant), else null. */
  NDArray constant(int i) { return hasInput(i) ? values.constant(proto.getInput(i)) : null; }

  boolean hasAttr(String attr) { return attrs.containsKey(attr); }

  long attrInt(String attr, long dflt) {
    AttributeProto a = attrs.get(attr);
    return a == null ? dflt : a.getI();
  }

  float attrFloat(String attr, float dflt) {
    AttributeProto a = attrs.get(attr);
    return a == null ? dflt : a.getF();
  }

  String attrString(String attr, String dflt) {
    AttributeProto a = attrs.get(attr);
    return a == null ? dflt : a.getS().toStringUtf8();
  }

  long[] attrInts(String attr) {
    AttributeProto a = attrs.get(attr);
    return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
  }

  AttributeProto attr(String attr) { return attrs.get(attr); }

  /** The tensor attribute {@code attr} as an array (external data is read from the model's folder). */
  NDArray tensorAttr(String attr) {
    return OnnxTensors.read(attrs.get(attr).getT(), file.toAbsolutePath().getParent(), file);
  }

  /** NNVM's tuple text for integer attributes: {@code (1, 2)}. */
  static String tuple(long... v) {
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < v.length; i++) b.append(i == 0 ? "" : ", ").append(v[i]);
    return b.append(v.length == 1 ? ",)" : ")").toString();
  }

  /** NNVM's boolean text. */
  static String bool(boolean v) { return v ? "True" : "False"; }

  /** The integer values of constant input {@code i} (an int64/int32 initializer or Constant), or null when it is not constant. */
  long[] constantInts(int i) {
    NDArray v = constant(i);
    if (v == null) return null;
    if (!v.dtype().isIntegral()) throw unsupported("input " + i + " must hold integers, got " + v.dtype());
    long[] out = new long[Math.toIntExact(v.numElements())];
    for (int k = 0; k < out.length; k++) out[k] = v.getLong(k);
    return out;
  }

  /** Refuses attributes other than {@code known}, naming the first one found. */
  void onlyAttrs(String... known) {
    List<String> ok = List.of(known);
    for (String a : attrs.keySet()) if (!ok.contains(a)) throw unsupported("attribute '" + a + "' is not supported");
  }

  /** Applies graph op {@code op}; the first node created is named after this ONNX node, later ones get a suffix. */
  Symbol op(String op, Map<String, String> opAttrs, Symbol... inputs) {
    if (!OpRegistry.contains(op)) throw unsupported("it needs graph op '" + op + "', which is not registered");
    String nodeName = created++ == 0 ? name : name + "_" + (created - 1);
    return Symbol.create(op, nodeName, opAttrs, inputs);
  }

  /** A new parameter holding {@code value}, named after this node. */
  Symbol param(String suffix, NDArray value) { return values.addParam(name + "_" + suffix, value); }

  /**
   * Imports the nodes of graph attribute {@code attr} (a branch of If) into the enclosing scope, which
   * its nodes may read, and returns the symbols of the branch's outputs.
   */
  List<Symbol> importBranch(String attr) {
    AttributeProto a = attrs.get(attr);
    if (a == null || !a.hasG()) throw unsupported("graph attribute '" + attr + "' is missing");
    org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto g = a.getG();
    for (org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto t : g.getInitializerList()) {
      values.addInitializer(t.getName(), OnnxTensors.read(t, file.toAbsolutePath().getParent(), file));
    }
    for (int i = 0; i < g.getNodeCount(); i++) {
      NodeProto sub = g.getNode(i);
      String subName = name + "/" + (sub.getName().isEmpty() ? sub.getOpType() + "_" + i : sub.getName());
      OpConverter conv = sub.getDomain().isEmpty() || sub.getDomain().equals("ai.onnx") ? OnnxOps.converter(sub.getOpType()) : null;
      if (conv == null) throw unsupported(attr + " node '" + subName + "' (" + sub.getOpType() + ") is not supported");
      List<Symbol> outs = conv.convert(new OnnxNode(sub, subName, opset, file, values));
      for (int k = 0; k < sub.getOutputCount() && k < outs.size(); k++) if (!sub.getOutput(k).isEmpty()) values.bind(sub.getOutput(k), outs.get(k));
    }
    List<Symbol> outs = new java.util.ArrayList<>();
    for (org.nnvm4j.frontend.onnx.proto.Onnx.ValueInfoProto o : g.getOutputList()) {
      Symbol s = values.symbol(o.getName());
      if (s == null) throw unsupported(attr + " output '" + o.getName() + "' is never computed");
      outs.add(s);
    }
    return outs;
  }

  /** An {@link ErrorCode#UNSUPPORTED} error for this node, with the reason. */
  CompileException unsupported(String reason) {
    return new CompileException(ErrorCode.UNSUPPORTED, new Span(file.toString(), name, opType(), null),
        "ONNX " + opType() + " (opset " + opset + "): " + reason);
  }
}
