package org.nnvm4j.tensor.topi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.Var;

/**
 * Discrete Fourier transforms as direct sums (ONNX DFT and STFT): the signal's last dimension holds 1
 * (real) or 2 (real, imaginary) components, the result's last dimension 2. The twiddle angle is
 * 2 pi ((k n) mod L) / L with the product reduced in integers and cos/sin evaluated in float64, so
 * its error does not grow with k n. Tag {@code dft}.
 */
public final class Spectral {
  public static final String TAG = "dft";

  private Spectral() {}

  /** The number of frequencies of an {@code length}-point transform: all, or length / 2 + 1 when one-sided. */
  public static long bins(long length, boolean onesided) { return onesided ? length / 2 + 1 : length; }

  /**
   * The {@code length}-point DFT of {@code x} along {@code axis} (not the last): the signal is cut or
   * zero-padded to {@code length}; inverse uses e^{+i...} and divides by length.
   */
  public static Tensor dft(Tensor x, int axis, long length, boolean inverse, boolean onesided, String name) {
    long[] s = Topi.constShape(x, name);
    int last = s.length - 1;
    if (s.length < 2 || axis < 0 || axis >= last || s[last] < 1 || s[last] > 2 || length < 1) {
      throw CompileException.invalid("%s: a signal [..., 1 or 2] with the transform axis before the last and a positive length"
          + " expected, got shape %s, axis %d, length %d", name, java.util.Arrays.toString(s), axis, length);
    }
    if (inverse && onesided) throw CompileException.invalid("%s: an inverse transform cannot be one-sided", name);
    long[] out = s.clone();
    out[axis] = bins(length, onesided);
    out[last] = 2;
    IterVar n = Te.reduceAxis(Math.min(length, s[axis]), "n");
    DType f = x.dtype();
    Expr scale = IrOps.constant(f, inverse ? 1.0 / length : 1.0);
    return Te.computeN(Te.shape(out), idx -> {
      List<Expr> at = new ArrayList<>(idx);
      at.set(axis, n.var());
      Expr term = term(x, at, s[last] == 2, idx.get(axis), n.var(), length, inverse, idx.get(last));
      return Te.sum(inverse ? IrOps.mul(term, scale) : term, n);
    }, name, TAG, Map.of());
  }

  /**
   * The short-time Fourier transform of {@code signal} [B, L, 1 or 2]: frames of window.length samples
   * every {@code step}, each multiplied by {@code window} and transformed; out [B, frames, bins, 2].
   */
  public static Tensor stft(Tensor signal, Tensor window, long step, boolean onesided, String name) {
    long[] s = Topi.constShape(signal, name);
    long[] w = Topi.constShape(window, name);
    if (s.length != 3 || s[2] < 1 || s[2] > 2 || w.length != 1 || w[0] < 1 || w[0] > s[1] || step < 1) {
      throw CompileException.invalid("%s: signal [B, L, 1 or 2], a window of 1 to L samples and a positive step expected, got %s, %s,"
          + " step %d", name, java.util.Arrays.toString(s), java.util.Arrays.toString(w), step);
    }
    long frameLength = w[0];
    long frames = (s[1] - frameLength) / step + 1;
    IterVar n = Te.reduceAxis(frameLength, "n");
    return Te.computeN(Te.shape(s[0], frames, bins(frameLength, onesided), 2), idx -> {
      Expr pos = IrOps.add(IrOps.mul(idx.get(1), IrOps.i32(step)), n.var());
      Expr term = term(signal, List.of(idx.get(0), pos, IrOps.i32(0)), s[2] == 2, idx.get(2), n.var(), frameLength, false, idx.get(3));
      return Te.sum(IrOps.mul(IrOps.cast(signal.dtype(), window.get(n.var())), term), n);
    }, name, TAG, Map.of());
  }

  /**
   * Component {@code comp} (0 real, 1 imaginary) of x[at] * e^{-+2 pi i k n / length}; {@code at}
   * indexes x with its last (component) index to be replaced.
   */
  private static Expr term(Tensor x, List<Expr> at, boolean complex, Expr k, Var n, long length, boolean inverse, Expr comp) {
    DType f = x.dtype();
    List<Expr> reAt = new ArrayList<>(at);
    reAt.set(reAt.size() - 1, IrOps.i32(0));
    Expr re = x.get(reAt);
    Expr kn = IrOps.floorMod(IrOps.mul(k, n), IrOps.i32(length));
    Expr angle = IrOps.mul(IrOps.cast(DType.F64, kn), IrOps.constant(DType.F64, (inverse ? 2 : -2) * Math.PI / length));
    Expr cos = IrOps.cast(f, IrOps.call(DType.F64, "cos", angle));
    Expr sin = IrOps.cast(f, IrOps.call(DType.F64, "sin", angle));
    Expr real = IrOps.mul(re, cos);
    Expr imag = IrOps.mul(re, sin);
    if (complex) {
      List<Expr> imAt = new ArrayList<>(at);
      imAt.set(imAt.size() - 1, IrOps.i32(1));
      Expr im = x.get(imAt);
      real = IrOps.sub(real, IrOps.mul(im, sin));
      imag = IrOps.add(imag, IrOps.mul(im, cos));
    }
    return IrOps.select(IrOps.eq(comp, IrOps.i32(0)), real, imag);
  }
}
