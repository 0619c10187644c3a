package org.nnvm4j.graph.ops;

import static org.nnvm4j.graph.ops.OpAttrs.boolAttr;
import static org.nnvm4j.graph.ops.OpAttrs.intAttr;
import static org.nnvm4j.graph.ops.OpAttrs.normalizeAxis;

import java.util.List;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.topi.Spectral;

/** Spectral ops: dft (one axis, forward or inverse, full or one-sided) and stft; complex values as a last dimension of 2. */
public final class SignalOps {
  private SignalOps() {}

  public static List<Op> ops() {
    return List.of(dft(), stft());
  }

  private static Op dft() {
    return Op.builder("dft").describe("The DFT of data [..., 1 or 2] along axis (not the last) as a direct sum: [..., 2].")
        .inputs("data")
        .attr("axis", "1", "the signal axis", OpAttrs.INT)
        .attr("length", "0", "the transform length (the signal is cut or zero-padded; 0: the signal's length)", v -> {
          if (OpAttrs.parseInt(v) < 0) throw new IllegalArgumentException("expected a non-negative integer");
        })
        .attr("inverse", "False", "the inverse transform (e^{+i...}, divided by length)", OpAttrs.BOOL)
        .attr("onesided", "False", "only frequencies 0 to length / 2", OpAttrs.BOOL)
        .pattern(OpPattern.OPAQUE).inferType((a, in) -> floats("dft", in))
        .inferShape((a, in) -> {
          if (in[0] == null) return null;
          Shape s = in[0];
          int axis = axis(a, s.rank());
          long last = s.dim(s.rank() - 1);
          if (last != 1 && last != 2) throw CompileException.invalid("dft: the last dimension of %s must be 1 (real) or 2 (complex)", s);
          if (boolAttr(a, "inverse") && boolAttr(a, "onesided")) throw CompileException.invalid("dft: an inverse transform cannot be one-sided");
          long[] out = s.toArray();
          out[axis] = Spectral.bins(length(a, s.dim(axis)), boolAttr(a, "onesided"));
          out[out.length - 1] = 2;
          return new Shape[] {Shape.of(out)};
        })
        .compute((a, in) -> {
          int axis = axis(a, in.get(0).ndim());
          long signal = org.nnvm4j.tensor.topi.Topi.constShape(in.get(0), "dft")[axis];
          return List.of(Spectral.dft(in.get(0), axis, length(a, signal), boolAttr(a, "inverse"), boolAttr(a, "onesided"), "dft"));
        }).build();
  }

  /** The signal axis: in range and not the last (component) dimension. */
  private static int axis(java.util.Map<String, String> a, int rank) {
    if (rank < 2) throw CompileException.invalid("dft: data needs rank >= 2 ([..., 1 or 2]), got rank %d", rank);
    int axis = normalizeAxis(intAttr(a, "axis"), rank);
    if (axis == rank - 1) throw CompileException.invalid("dft: axis %s is the component dimension; the signal axis must come before it", a.get("axis"));
    return axis;
  }

  private static long length(java.util.Map<String, String> a, long signal) {
    int n = intAttr(a, "length");
    return n == 0 ? signal : n;
  }

  private static Op stft() {
    return Op.builder("stft").describe("The short-time Fourier transform of data [B, L, 1 or 2]: frames of window's length every"
            + " frame_step samples, multiplied by window: [B, frames, bins, 2].").inputs("data", "window")
        .attr("frame_step", null, "samples between frame starts", OpAttrs.POSITIVE_INT)
        .attr("onesided", "True", "only frequencies 0 to frame length / 2", OpAttrs.BOOL)
        .pattern(OpPattern.OPAQUE).inferType((a, in) -> floats("stft", in))
        .inferShape((a, in) -> {
          if (in[0] == null || in[1] == null) return null;
          Shape s = in[0];
          Shape w = in[1];
          if (s.rank() != 3 || s.dim(2) < 1 || s.dim(2) > 2 || w.rank() != 1 || w.dim(0) < 1 || w.dim(0) > s.dim(1)) {
            throw CompileException.invalid("stft: data %s and window %s; expected [B, L, 1 or 2] and [frame_length <= L]", s, w);
          }
          long frames = (s.dim(1) - w.dim(0)) / intAttr(a, "frame_step") + 1;
          return new Shape[] {Shape.of(s.dim(0), frames, Spectral.bins(w.dim(0), boolAttr(a, "onesided")), 2)};
        })
        .compute((a, in) -> List.of(Spectral.stft(in.get(0), in.get(1), intAttr(a, "frame_step"), boolAttr(a, "onesided"), "stft")))
        .build();
  }

  private static DType[] floats(String op, DType[] in) {
    for (DType t : in) if (t != null && !t.isFloat()) throw CompileException.invalid("%s: inputs must be floating point, got %s", op, t);
    return OpRules.sameType(in);
  }
}
