package org.nnvm4j.backend;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apiguardian.api.API;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IntImm;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.Var;

/**
 * The calling convention of a compiled function: buffer parameters (dtype and shape, each dimension
 * a constant or a named scalar parameter) followed by int64 scalar parameters. {@link #bind} checks a
 * call's arguments against it; only a call that passes reaches native code.
 */
@API(status = API.Status.STABLE, since = "0.1")
public record FunctionSignature(String name, List<BufferParam> buffers, List<String> scalars) {
  /** A dimension: a constant ({@code symbol == null}) or the scalar parameter named {@code symbol}. */
  public record Dim(long value, String symbol) {
    @Override public String toString() { return symbol != null ? symbol : Long.toString(value); }
  }

  /** One buffer parameter. */
  public record BufferParam(String name, DType dtype, List<Dim> shape) {
    public BufferParam { shape = List.copyOf(shape); }
  }

  public FunctionSignature {
    buffers = List.copyOf(buffers);
    scalars = List.copyOf(scalars);
  }

  /**
   * The signature of a lowered function.
   *
   * @throws CompileException when a buffer dimension is neither a constant nor a scalar parameter
   */
  public static FunctionSignature of(PrimFunc f) {
    List<BufferParam> bufs = f.buffers().stream().map(b -> new BufferParam(b.name(), b.dtype(),
        b.shape().stream().map(d -> dim(f, b, d)).toList())).toList();
    return new FunctionSignature(f.name(), bufs, f.scalarParams().stream().map(Var::name).toList());
  }

  private static Dim dim(PrimFunc f, Buffer b, Expr d) {
    if (d instanceof IntImm i) return new Dim(i.value(), null);
    if (d instanceof Var v && f.scalarParams().contains(v)) return new Dim(0, v.name());
    throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(f.name(), null), "function " + f.name() + ": buffer "
        + b.name() + " has a computed dimension; only constants and symbolic variables are supported");
  }

  /**
   * Checks {@code args} (shapes of the buffers, in order) and returns the values of the scalar
   * parameters derived from them.
   *
   * @throws CompileException naming the function, parameter and both shapes on any mismatch
   */
  public long[] bind(List<DType> dtypes, List<long[]> shapes) {
    if (shapes.size() != buffers.size()) {
      throw CompileException.invalid("function %s takes %d buffers, %d given", name, buffers.size(), shapes.size());
    }
    Map<String, Long> values = new HashMap<>();
    for (int i = 0; i < buffers.size(); i++) {
      BufferParam p = buffers.get(i);
      long[] s = shapes.get(i);
      if (!dtypes.get(i).equals(p.dtype())) {
        throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.node(name, null), "function " + name
            + ": buffer " + p.name() + " must be " + p.dtype() + ", got " + dtypes.get(i));
      }
      if (s.length != p.shape().size()) {
        throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.node(name, null), "function " + name
            + ": buffer " + p.name() + " has shape " + p.shape() + ", got " + java.util.Arrays.toString(s));
      }
      for (int d = 0; d < s.length; d++) {
        Dim dim = p.shape().get(d);
        long expect = dim.symbol() == null ? dim.value() : values.computeIfAbsent(dim.symbol(), k -> -1L);
        if (expect == -1) {
          values.put(dim.symbol(), s[d]);
        } else if (expect != s[d]) {
          throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.node(name, null), "function " + name
              + ": buffer " + p.name() + " has shape " + p.shape() + (dim.symbol() == null ? ""
              : " with " + dim.symbol() + "=" + expect) + ", got " + java.util.Arrays.toString(s));
        }
      }
    }
    long[] out = new long[scalars.size()];
    for (int i = 0; i < out.length; i++) {
      Long v = values.get(scalars.get(i));
      if (v == null) throw CompileException.invalid("function %s: scalar %s is not a buffer dimension", name, scalars.get(i));
      out[i] = v;
    }
    return out;
  }

  /** The bytes buffer parameter {@code i} needs when the scalar parameters have {@code scalarValues}. */
  public long requiredBytes(int i, long[] scalarValues) {
    BufferParam p = buffers.get(i);
    long n = p.dtype().bytes();
    for (Dim d : p.shape()) n = Math.multiplyExact(n, d.symbol() == null ? d.value() : scalarValues[scalars.indexOf(d.symbol())]);
    return n;
  }

  /** One-line text form, e.g. {@code myadd(A:float32[n],B:float32[n],C:float32[n];n)}; {@link #parse} reads it. */
  public String toText() {
    StringBuilder b = new StringBuilder(name).append('(');
    for (int i = 0; i < buffers.size(); i++) {
      BufferParam p = buffers.get(i);
      if (i > 0) b.append(',');
      b.append(p.name()).append(':').append(p.dtype()).append('[');
      for (int d = 0; d < p.shape().size(); d++) b.append(d > 0 ? "*" : "").append(p.shape().get(d));
      b.append(']');
    }
    return b.append(';').append(String.join(",", scalars)).append(')').toString();
  }

  /**
   * Parses {@link #toText()}.
   *
   * @throws CompileException on malformed text
   */
  public static FunctionSignature parse(String text) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([\\w.$]+)\\((.*);(.*)\\)").matcher(text.trim());
    if (!m.matches()) throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.NONE, "bad function signature '" + text + "'");
    List<BufferParam> bufs = new java.util.ArrayList<>();
    if (!m.group(2).isEmpty()) {
      for (String part : m.group(2).split(",")) {
        java.util.regex.Matcher pm = java.util.regex.Pattern.compile("([^:]+):(\\w+)\\[(.*)\\]").matcher(part);
        if (!pm.matches()) throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.NONE, "bad buffer parameter '" + part + "'");
        List<Dim> dims = new java.util.ArrayList<>();
        if (!pm.group(3).isEmpty()) {
          for (String d : pm.group(3).split("\\*")) dims.add(d.matches("\\d+") ? new Dim(Long.parseLong(d), null) : new Dim(0, d));
        }
        bufs.add(new BufferParam(pm.group(1), DType.parse(pm.group(2)), dims));
      }
    }
    List<String> sc = m.group(3).isEmpty() ? List.of() : List.of(m.group(3).split(","));
    return new FunctionSignature(m.group(1), bufs, sc);
  }
}
