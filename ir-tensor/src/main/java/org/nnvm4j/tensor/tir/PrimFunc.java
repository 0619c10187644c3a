package org.nnvm4j.tensor.tir;

import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.InternalCompilerError;

/**
 * A lowered function. Its parameters, in calling order, are the {@code buffers} (passed as data
 * pointers) followed by the scalar {@code scalarParams} (the symbolic shape vars the body uses, passed
 * as 64-bit integers). Backends compile it; the interpreter runs it.
 */
public record PrimFunc(String name, List<Buffer> buffers, List<Var> scalarParams, Stmt body, Map<String, Object> attrs) {
  public PrimFunc {
    buffers = List.copyOf(buffers);
    scalarParams = List.copyOf(scalarParams);
    attrs = Map.copyOf(attrs);
    for (Var v : scalarParams) {
      InternalCompilerError.check(v.dtype().isIntegral() && !v.dtype().isVector(), "scalar param %s of type %s", v,
          v.dtype());
    }
  }

  public PrimFunc withBody(Stmt b) { return b == body ? this : new PrimFunc(name, buffers, scalarParams, b, attrs); }

  public PrimFunc withBuffers(List<Buffer> bufs, Stmt b) { return new PrimFunc(name, bufs, scalarParams, b, attrs); }

  /** The TIR text of this function. */
  @Override public String toString() { return TirPrinter.print(this); }
}
