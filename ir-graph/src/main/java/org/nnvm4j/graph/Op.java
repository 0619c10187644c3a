package org.nnvm4j.graph;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.te.Tensor;

/**
 * A registered operator and its typed attributes (NNVM's {@code NNVM_REGISTER_OP}): input names,
 * attribute schema with defaults, shape and type inference, fusion pattern, and the tensor-expression
 * compute that lowering uses. Build with {@link #builder(String)} and add with
 * {@link OpRegistry#register(Op)}.
 */
public final class Op {
  /** Shape inference: fills unknown (null) input shapes it can deduce and returns the output shapes, or null if unknown yet. */
  @FunctionalInterface
  public interface InferShape { Shape[] infer(Map<String, String> attrs, Shape[] inputs); }

  /** Type inference: fills unknown (null) input dtypes it can deduce and returns the output dtypes, or null. */
  @FunctionalInterface
  public interface InferType { DType[] infer(Map<String, String> attrs, DType[] inputs); }

  /** The tensor-expression compute: output tensors from input tensors. */
  @FunctionalInterface
  public interface Compute { List<Tensor> compute(Map<String, String> attrs, List<Tensor> inputs); }

  /** Validates an attribute's text; throws {@link IllegalArgumentException} saying what was expected. */
  @FunctionalInterface
  public interface AttrCheck { void check(String value); }

  /** How many inputs a node of the op takes, given its attributes (with defaults filled in). */
  @FunctionalInterface
  public interface Arity { int inputs(Map<String, String> attrs); }

  /** An attribute: its default ({@code null} when required), a one-line description and its check. */
  public record Attr(String defaultValue, String doc, AttrCheck check) {
    public Attr(String defaultValue, String doc) { this(defaultValue, doc, v -> {}); }
  }

  private final String name;
  private final String description;
  private final List<String> inputNames;
  private final boolean variadic;
  private final Arity arity;
  private final int numOutputs;
  private final Map<String, Attr> attrs;
  private final InferShape inferShape;
  private final InferType inferType;
  private final OpPattern pattern;
  private final Compute compute;
  private final LayoutRule layoutRule;

  private Op(Builder b) {
    this.name = b.name;
    this.description = b.description;
    this.inputNames = List.copyOf(b.inputNames);
    this.variadic = b.variadic;
    this.arity = b.arity;
    this.numOutputs = b.numOutputs;
    this.attrs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.attrs));
    this.inferShape = Objects.requireNonNull(b.inferShape, "inferShape of " + b.name);
    this.inferType = Objects.requireNonNull(b.inferType, "inferType of " + b.name);
    this.pattern = b.pattern;
    this.compute = b.compute;
    this.layoutRule = b.layoutRule != null ? b.layoutRule : b.pattern == OpPattern.ELEMWISE ? LayoutRule.AGNOSTIC : LayoutRule.FIXED;
  }

  public static Builder builder(String name) { return new Builder(name); }

  public String name() { return name; }

  public String description() { return description; }

  public List<String> inputNames() { return inputNames; }

  public boolean isVariadic() { return variadic; }

  public int numOutputs(Map<String, String> nodeAttrs) { return numOutputs; }

  public Map<String, Attr> attrs() { return attrs; }

  public InferShape inferShape() { return inferShape; }

  public InferType inferType() { return inferType; }

  public OpPattern pattern() { return pattern; }

  /** How the op treats its data's layout (what CorrectLayout may do with it). */
  public LayoutRule layoutRule() { return layoutRule; }

  /** The compute, or null when the op has none (it then cannot be compiled). */
  public Compute compute() { return compute; }

  /** The input names of a node with {@code nodeAttrs} (a prefix of {@link #inputNames()} for ops with optional inputs). */
  public List<String> inputNames(Map<String, String> nodeAttrs) {
    return arity == null ? inputNames : inputNames.subList(0, arity.inputs(nodeAttrs));
  }

  void checkArity(String node, Map<String, String> nodeAttrs, int n) {
    List<String> names = inputNames(nodeAttrs);
    if (variadic ? n < 1 : n != names.size()) {
      throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.node(node, name), "op " + name + " takes "
          + (variadic ? "at least 1" : names.size() + " " + names) + " inputs, got " + n);
    }
  }

  /** The attributes with defaults filled in; unknown or missing required attributes are a {@link CompileException}. */
  Map<String, String> validateAttrs(String node, Map<String, String> given) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : given.entrySet()) {
      if (!attrs.containsKey(e.getKey())) {
        throw new CompileException(ErrorCode.UNSUPPORTED, new Span(null, node, name, e.getKey()),
            "op " + name + " has no attribute '" + e.getKey() + "'; it has " + attrs.keySet());
      }
    }
    for (Map.Entry<String, Attr> e : attrs.entrySet()) {
      String v = given.get(e.getKey());
      if (v == null) v = e.getValue().defaultValue();
      if (v == null) {
        throw new CompileException(ErrorCode.INVALID_ARGUMENT, new Span(null, node, name, e.getKey()),
            "op " + name + " requires attribute '" + e.getKey() + "' (" + e.getValue().doc() + ")");
      }
      try {
        e.getValue().check().check(v);
      } catch (IllegalArgumentException bad) {
        throw new CompileException(ErrorCode.INVALID_ARGUMENT, new Span(null, node, name, e.getKey()),
            "op " + name + " attribute '" + e.getKey() + "' = '" + v + "': " + bad.getMessage(), bad);
      }
      out.put(e.getKey(), v);
    }
    return out;
  }

  @Override public String toString() { return "Op(" + name + ")"; }

  /** Builds an {@link Op}. */
  public static final class Builder {
    private final String name;
    private String description = "";
    private List<String> inputNames = List.of();
    private boolean variadic;
    private Arity arity;
    private int numOutputs = 1;
    private final Map<String, Attr> attrs = new LinkedHashMap<>();
    private InferShape inferShape;
    private InferType inferType;
    private OpPattern pattern = OpPattern.OPAQUE;
    private Compute compute;
    private LayoutRule layoutRule;

    private Builder(String name) { this.name = name; }

    /** Declares how the op treats its data's layout (default: AGNOSTIC for element-wise ops, else FIXED). */
    public Builder layout(LayoutRule rule) { this.layoutRule = rule; return this; }

    public Builder describe(String text) { this.description = text; return this; }

    public Builder inputs(String... names) { this.inputNames = List.of(names); return this; }

    public Builder variadicInputs() { this.variadic = true; return this; }

    /** The node takes the first {@code f(attrs)} of the {@link #inputs} (e.g. no bias when {@code use_bias} is false). */
    public Builder arity(Arity f) { this.arity = f; return this; }

    public Builder numOutputs(int n) { this.numOutputs = n; return this; }

    public Builder attr(String attr, String defaultValue, String doc) { attrs.put(attr, new Attr(defaultValue, doc)); return this; }

    public Builder attr(String attr, String defaultValue, String doc, AttrCheck check) {
      attrs.put(attr, new Attr(defaultValue, doc, check));
      return this;
    }

    public Builder inferShape(InferShape f) { this.inferShape = f; return this; }

    public Builder inferType(InferType f) { this.inferType = f; return this; }

    public Builder pattern(OpPattern p) { this.pattern = p; return this; }

    public Builder compute(Compute f) { this.compute = f; return this; }

    public Op build() { return new Op(this); }
  }
}
