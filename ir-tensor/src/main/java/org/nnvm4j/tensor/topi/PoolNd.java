package org.nnvm4j.tensor.topi;

import java.util.Arrays;
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
 * Max, average and Lp pooling over any number of spatial axes, channels first, with dilation, padding
 * that may differ at the two ends of an axis, and ceil mode; the index of each window's maximum
 * (ONNX MaxPool's {@code Indices}); max unpooling, its inverse; global Lp pooling. Tag {@link Pool#TAG}.
 */
public final class PoolNd {
  /** The tag of the Lp pools' output stage (the root of the sum of powers, which keeps {@link Pool#TAG} or {@link Reduction#TAG}). */
  public static final String LP_TAG = "lp_pool";

  /** One value per spatial axis: window, strides, dilation, padding before and after; ceil mode; whether averages count padding. */
  public record Params(int[] window, int[] strides, int[] dilation, int[] padBegin, int[] padEnd, boolean ceilMode,
      boolean countIncludePad) {
    public Params {
      int r = window.length;
      if (strides.length != r || dilation.length != r || padBegin.length != r || padEnd.length != r) {
        throw CompileException.invalid("pool: window %s, strides %s, dilation %s and padding %s/%s must have one value per spatial axis",
            Arrays.toString(window), Arrays.toString(strides), Arrays.toString(dilation), Arrays.toString(padBegin),
            Arrays.toString(padEnd));
      }
    }

    public int spatial() { return window.length; }
  }

  private PoolNd() {}

  /**
   * The output extent of one spatial axis. In ceil mode a last window that would start beyond the
   * data and its begin padding is dropped (as PyTorch and ONNX Runtime do).
   */
  public static long outExtent(long in, int window, int stride, int dilation, int padBegin, int padEnd, boolean ceil) {
    long span = in + padBegin + padEnd - ((long) dilation * (window - 1) + 1);
    long out = (ceil ? Math.ceilDiv(span, stride) : Math.floorDiv(span, stride)) + 1;
    if (ceil && (out - 1) * stride >= in + padBegin) out--;
    return out;
  }

  /** The output shape {@code [N, C, out...]} of pooling {@code d}. */
  public static long[] outShape(long[] d, Params p) {
    long[] out = d.clone();
    for (int i = 0; i < p.spatial(); i++) {
      out[i + 2] = outExtent(d[i + 2], p.window()[i], p.strides()[i], p.dilation()[i], p.padBegin()[i], p.padEnd()[i], p.ceilMode());
    }
    return out;
  }

  /** Windowed max ({@code avg = false}) or average pooling. */
  public static Tensor pool(Tensor data, Params p, boolean avg, String name) {
    long[] d = checked(data, p, name);
    IterVar[] rk = windowAxes(p);
    Expr fill = avg ? IrOps.zero(data.dtype()) : Te.lowest(data.dtype());
    Tensor r = Te.computeN(Te.shape(outShape(d, p)), idx -> {
      Expr v = ConvNd.guardedLoad(data, idx.get(0), idx.get(1), positions(idx, rk, p), d, fill, IrOps.bool(true));
      return avg ? Te.sum(v, rk) : Te.max(v, rk);
    }, avg ? name + "_sum" : name, Pool.TAG, Map.of());
    if (!avg) return r;
    return Te.computeN(r.shape(), idx -> {
      Expr count = IrOps.i32(1);
      for (int i = 0; i < p.spatial(); i++) count = IrOps.mul(count, taps(idx.get(i + 2), p, i, d[i + 2]));
      return IrOps.div(r.get(idx), IrOps.cast(data.dtype(), IrOps.max(count, IrOps.i32(1))));
    }, name, Pool.TAG, Map.of());
  }

  /**
   * Lp pooling: the p-norm {@code (sum |x|^p)^(1/p)} of each window (ONNX LpPool, PyTorch LPPool with the
   * absolute value); padding adds zeros. Two stages: the sum of powers (tag {@link Pool#TAG}) and the root ({@link #LP_TAG}).
   */
  public static Tensor lpPool(Tensor data, Params p, double power, String name) {
    long[] d = checked(data, p, name);
    checkPower(data, power, name);
    IterVar[] rk = windowAxes(p);
    Tensor sum = Te.computeN(Te.shape(outShape(d, p)), idx -> Te.sum(lpTerm(ConvNd.guardedLoad(data, idx.get(0), idx.get(1),
        positions(idx, rk, p), d, IrOps.zero(data.dtype()), IrOps.bool(true)), power), rk), name + "_sum", Pool.TAG, Map.of());
    return Te.computeN(sum.shape(), idx -> lpRoot(sum.get(idx), power), name, LP_TAG, Map.of());
  }

  /** Global Lp pooling: the p-norm over every spatial axis, [N, C, spatial...] -> [N, C, 1...] (ONNX GlobalLpPool). */
  public static Tensor globalLpPool(Tensor data, double power, String name) {
    long[] d = Topi.constShape(data, name);
    if (d.length < 3) throw CompileException.invalid("%s: data %s has no spatial axis; expected [N, C, spatial...]", name, Arrays.toString(d));
    checkPower(data, power, name);
    long[] out = d.clone();
    Arrays.fill(out, 2, out.length, 1);
    Tensor sum = Te.computeN(Te.shape(out), idx -> {
      IterVar[] rk = new IterVar[d.length - 2];
      Expr[] pos = new Expr[rk.length];
      for (int i = 0; i < rk.length; i++) {
        rk[i] = Te.reduceAxis(d[i + 2], "rk" + i);
        pos[i] = rk[i].var();
      }
      return Te.sum(lpTerm(data.get(ConvNd.withSpatial(idx.get(0), idx.get(1), pos)), power), rk);
    }, name + "_sum", Reduction.TAG, Map.of());
    return Te.computeN(sum.shape(), idx -> lpRoot(sum.get(idx), power), name, LP_TAG, Map.of());
  }

  /** {@code |x|^p}, as multiplications for p = 1 and 2. */
  private static Expr lpTerm(Expr x, double power) {
    if (power == 2) return IrOps.mul(x, x);
    Expr abs = IrOps.call(x.dtype(), "fabs", x);
    return power == 1 ? abs : IrOps.call(x.dtype(), "pow", abs, IrOps.constant(x.dtype(), power));
  }

  /** {@code s^(1/p)}: s itself for p = 1, sqrt for p = 2. */
  private static Expr lpRoot(Expr s, double power) {
    if (power == 1) return s;
    if (power == 2) return IrOps.call(s.dtype(), "sqrt", s);
    return IrOps.call(s.dtype(), "pow", s, IrOps.constant(s.dtype(), 1 / power));
  }

  private static void checkPower(Tensor data, double power, String name) {
    if (!(power > 0) || Double.isInfinite(power)) throw CompileException.invalid("%s: p = %s; expected a positive finite power", name, power);
    if (!data.dtype().isFloat()) throw CompileException.invalid("%s: data has dtype %s; expected a float dtype", name, data.dtype());
  }

  /**
   * The flat int64 index into {@code data} of each window's maximum (the first one in window order on
   * ties): row-major, or with {@code columnMajor} the spatial axes counted last-first (ONNX
   * {@code storage_order = 1}). Three stages: the maximum, the first window offset holding it, the index.
   */
  public static Tensor argmax(Tensor data, Params p, boolean columnMajor, String name) {
    long[] d = checked(data, p, name);
    Tensor max = pool(data, p, false, name + "_max");
    IterVar[] rk = windowAxes(p);
    long size = Topi.product(Arrays.stream(p.window()).asLongStream().toArray(), 0, p.spatial());
    Tensor first = Te.computeN(max.shape(), idx -> {
      Expr[] pos = positions(idx, rk, p);
      Expr offset = IrOps.i32(0);
      for (int i = 0; i < p.spatial(); i++) offset = IrOps.add(IrOps.mul(offset, IrOps.i32(p.window()[i])), rk[i].var());
      Expr v = ConvNd.guardedLoad(data, idx.get(0), idx.get(1), pos, d, Te.lowest(data.dtype()), IrOps.bool(true));
      Expr inside = IrOps.bool(true);
      for (int i = 0; i < p.spatial(); i++) {
        inside = IrOps.and(inside, IrOps.and(IrOps.ge(pos[i], IrOps.i32(0)), IrOps.lt(pos[i], IrOps.i32(d[i + 2]))));
      }
      return Te.min(IrOps.select(IrOps.and(inside, IrOps.eq(v, max.get(idx))), offset, IrOps.i32(size)), rk);
    }, name + "_first", Pool.TAG, Map.of());
    return Te.computeN(max.shape(), idx -> {
      Expr t = IrOps.min(first.get(idx), IrOps.i32(size - 1));
      Expr[] pos = new Expr[p.spatial()];
      for (int i = p.spatial() - 1; i >= 0; i--) {
        Expr k = IrOps.floorMod(t, IrOps.i32(p.window()[i]));
        t = IrOps.floorDiv(t, IrOps.i32(p.window()[i]));
        pos[i] = IrOps.cast(DType.I64, Topi.clamp(IrOps.add(IrOps.sub(IrOps.mul(idx.get(i + 2), IrOps.i32(p.strides()[i])),
            IrOps.i32(p.padBegin()[i])), IrOps.mul(k, IrOps.i32(p.dilation()[i]))), d[i + 2]));
      }
      Expr flat = IrOps.add(IrOps.mul(IrOps.cast(DType.I64, idx.get(0)), IrOps.i64(d[1])), IrOps.cast(DType.I64, idx.get(1)));
      for (int k = 0; k < p.spatial(); k++) {
        int i = columnMajor ? p.spatial() - 1 - k : k;
        flat = IrOps.add(IrOps.mul(flat, IrOps.i64(d[i + 2])), pos[i]);
      }
      return flat;
    }, name, Pool.TAG, Map.of());
  }

  /**
   * Max unpooling: zero except at the flat row-major indices that {@code indices} hold, which get the
   * values of {@code data}. The indices count positions in the input that MaxPool with this window
   * pooled ({@code (in - 1) * stride + window - pads} per axis, {@link #unpoolShape}); a larger
   * {@code outShape} holds that frame at its origin and zeros beyond (as the ONNX reference data
   * does). Each output position looks only at the windows that cover it.
   */
  public static Tensor unpool(Tensor data, Tensor indices, Params p, long[] outShape, String name) {
    long[] d = Topi.constShape(data, name);
    long[] ix = Topi.constShape(indices, name);
    long[] frame = unpoolShape(d, p);
    boolean fits = d.length == p.spatial() + 2 && outShape.length == d.length && outShape[0] == d[0] && outShape[1] == d[1];
    for (int i = 2; fits && i < d.length; i++) fits = outShape[i] >= frame[i];
    if (!Arrays.equals(d, ix) || !fits) {
      throw CompileException.invalid("%s: data %s, indices %s and output %s do not fit %d spatial axes (the pooled input is %s)", name,
          Arrays.toString(d), Arrays.toString(ix), Arrays.toString(outShape), p.spatial(), Arrays.toString(frame));
    }
    IterVar[] rk = windowAxes(p);
    IterVar[] rk2 = windowAxes(p);
    Tensor hit = Te.computeN(Te.shape(outShape), idx -> Te.max(IrOps.select(unpoolMatch(indices, idx, rk, p, d, frame),
        IrOps.i32(1), IrOps.i32(0)), rk), name + "_hit", Pool.TAG, Map.of());
    Tensor val = Te.computeN(Te.shape(outShape), idx -> {
      Expr load = data.get(ConvNd.withSpatial(idx.get(0), idx.get(1), clamped(unpoolSource(idx, rk2, p), d)));
      return Te.max(IrOps.select(unpoolMatch(indices, idx, rk2, p, d, frame), load, Te.lowest(data.dtype())), rk2);
    }, name + "_value", Pool.TAG, Map.of());
    return Te.computeN(Te.shape(outShape), idx -> IrOps.select(IrOps.gt(hit.get(idx), IrOps.i32(0)), val.get(idx),
        IrOps.zero(data.dtype())), name, Pool.TAG, Map.of());
  }

  /** The output shape of max unpooling {@code d} when no shape is given: the input of the pooling. */
  public static long[] unpoolShape(long[] d, Params p) {
    long[] out = d.clone();
    for (int i = 0; i < p.spatial(); i++) out[i + 2] = (d[i + 2] - 1) * p.strides()[i] + p.window()[i] - p.padBegin()[i] - p.padEnd()[i];
    return out;
  }

  /** Whether some window inside the pooled data reads output position {@code idx} at tap {@code rk} and stored its flat index. */
  private static Expr unpoolMatch(Tensor indices, List<Var> idx, IterVar[] rk, Params p, long[] d, long[] frame) {
    Expr ok = IrOps.bool(true);
    for (int i = 0; i < p.spatial(); i++) {
      Expr t = unpoolOffset(idx, rk, p, i);
      Expr q = IrOps.floorDiv(t, IrOps.i32(p.strides()[i]));
      ok = IrOps.and(ok, IrOps.and(IrOps.lt(idx.get(i + 2), IrOps.i32(frame[i + 2])), IrOps.and(IrOps.eq(IrOps.floorMod(t,
          IrOps.i32(p.strides()[i])), IrOps.i32(0)), IrOps.and(IrOps.ge(q, IrOps.i32(0)), IrOps.lt(q, IrOps.i32(d[i + 2]))))));
    }
    Expr flat = IrOps.cast(DType.I64, idx.get(0));
    for (int i = 1; i < frame.length; i++) flat = IrOps.add(IrOps.mul(flat, IrOps.i64(frame[i])), IrOps.cast(DType.I64, idx.get(i)));
    Expr[] q = clamped(unpoolSource(idx, rk, p), d);
    Expr stored = IrOps.cast(DType.I64, indices.get(ConvNd.withSpatial(idx.get(0), idx.get(1), q)));
    return IrOps.and(ok, IrOps.eq(stored, flat));
  }

  /** The pooled position {@code q} whose window, at tap {@code rk}, reads output position {@code idx}: {@code q*s - pb + k*dil = y}. */
  private static Expr[] unpoolSource(List<Var> idx, IterVar[] rk, Params p) {
    Expr[] q = new Expr[p.spatial()];
    for (int i = 0; i < q.length; i++) q[i] = IrOps.floorDiv(unpoolOffset(idx, rk, p, i), IrOps.i32(p.strides()[i]));
    return q;
  }

  private static Expr unpoolOffset(List<Var> idx, IterVar[] rk, Params p, int i) {
    return IrOps.sub(IrOps.add(idx.get(i + 2), IrOps.i32(p.padBegin()[i])), IrOps.mul(rk[i].var(), IrOps.i32(p.dilation()[i])));
  }

  private static Expr[] clamped(Expr[] q, long[] d) {
    Expr[] out = new Expr[q.length];
    for (int i = 0; i < q.length; i++) out[i] = Topi.clamp(q[i], d[i + 2]);
    return out;
  }

  /** How many taps of the window at output index {@code o} fall inside the data (or its padding when averages count it). */
  private static Expr taps(Expr o, Params p, int i, long in) {
    long lo = p.countIncludePad() ? -p.padBegin()[i] : 0;
    long hi = p.countIncludePad() ? in + p.padEnd()[i] : in;
    Expr start = IrOps.sub(IrOps.mul(o, IrOps.i32(p.strides()[i])), IrOps.i32(p.padBegin()[i]));
    Expr dil = IrOps.i32(p.dilation()[i]);
    // first tap t with start + t*dil >= lo: ceil((lo - start) / dil); last with start + t*dil <= hi - 1: floor((hi - 1 - start) / dil)
    Expr first = IrOps.max(IrOps.i32(0), IrOps.sub(IrOps.i32(0), IrOps.floorDiv(IrOps.sub(start, IrOps.i32(lo)), dil)));
    Expr last = IrOps.min(IrOps.i32(p.window()[i] - 1L), IrOps.floorDiv(IrOps.sub(IrOps.i32(hi - 1), start), dil));
    return IrOps.max(IrOps.i32(0), IrOps.add(IrOps.sub(last, first), IrOps.i32(1)));
  }

  private static long[] checked(Tensor data, Params p, String name) {
    long[] d = Topi.constShape(data, name);
    if (d.length != p.spatial() + 2) {
      throw CompileException.invalid("%s: data %s does not have %d spatial axes", name, Arrays.toString(d), p.spatial());
    }
    return d;
  }

  private static IterVar[] windowAxes(Params p) {
    IterVar[] rk = new IterVar[p.spatial()];
    for (int i = 0; i < rk.length; i++) rk[i] = Te.reduceAxis(p.window()[i], "rk" + i);
    return rk;
  }

  private static Expr[] positions(List<Var> idx, IterVar[] rk, Params p) {
    Expr[] pos = new Expr[p.spatial()];
    for (int i = 0; i < pos.length; i++) {
      pos[i] = IrOps.add(IrOps.sub(IrOps.mul(idx.get(i + 2), IrOps.i32(p.strides()[i])), IrOps.i32(p.padBegin()[i])),
          IrOps.mul(rk[i].var(), IrOps.i32(p.dilation()[i])));
    }
    return pos;
  }
}
