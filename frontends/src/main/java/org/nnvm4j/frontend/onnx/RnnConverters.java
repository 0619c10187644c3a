package org.nnvm4j.frontend.onnx;

import static org.nnvm4j.frontend.onnx.CompositeConverters.scalar;
import static org.nnvm4j.frontend.onnx.OnnxNode.tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * The recurrent ONNX ops RNN, GRU and LSTM, unrolled over the (static) sequence into graph ops: one
 * dense for the input projection of all time steps, then per step a dense with the recurrence weight,
 * slices for the gates and element-wise activations. Every direction (forward, reverse,
 * bidirectional), the activation attributes with their alpha/beta, clip, GRU's linear_before_reset,
 * LSTM's peepholes and input_forget, initial states, a constant sequence_lens (steps past a batch
 * entry's length hold its state and write zeros to Y) and the layout attribute are supported.
 */
final class RnnConverters {
  private RnnConverters() {}

  static void register(Map<String, OpConverter> t) {
    t.put("RNN", n -> new Unroll(n, Cell.RNN).outputs());
    t.put("GRU", n -> new Unroll(n, Cell.GRU).outputs());
    t.put("LSTM", n -> new Unroll(n, Cell.LSTM).outputs());
  }

  /** The cell kinds: gate count and the default activations of one direction. */
  private enum Cell {
    RNN(1, List.of("Tanh")), GRU(3, List.of("Sigmoid", "Tanh")), LSTM(4, List.of("Sigmoid", "Tanh", "Tanh"));

    final int gates;
    final List<String> defaults;

    Cell(int gates, List<String> defaults) {
      this.gates = gates;
      this.defaults = defaults;
    }
  }

  /** The activation functions ONNX lists for its recurrent ops, in lower case. */
  private static final List<String> KNOWN = List.of("sigmoid", "tanh", "relu", "affine", "leakyrelu", "thresholdedrelu", "scaledtanh",
      "hardsigmoid", "elu", "softsign", "softplus");

  /** One activation function with its (resolved) alpha and beta. */
  private record Activation(String name, float alpha, float beta) {
    Symbol apply(OnnxNode n, Symbol x) {
      return switch (name) {
        case "sigmoid" -> n.op("sigmoid", Map.of(), x);
        case "tanh" -> n.op("tanh", Map.of(), x);
        case "relu" -> n.op("relu", Map.of(), x);
        case "affine" -> n.op("__add_scalar__", scalar(beta), n.op("__mul_scalar__", scalar(alpha), x));
        case "leakyrelu" -> n.op("leaky_relu", Map.of("alpha", Float.toString(alpha)), x);
        case "thresholdedrelu" -> n.op("where", Map.of(),
            n.op("broadcast_greater", Map.of(), x, CompositeConverters.scalarParam(n, "alpha", alpha)), x,
            CompositeConverters.scalarParam(n, "zero", 0));
        case "scaledtanh" -> n.op("__mul_scalar__", scalar(alpha), n.op("tanh", Map.of(), n.op("__mul_scalar__", scalar(beta), x)));
        case "hardsigmoid" -> CompositeConverters.hardSigmoid(n, x, alpha, beta);
        case "elu" -> CompositeConverters.elu(n, x, alpha, 1f);
        case "softsign" -> n.op("elemwise_div", Map.of(), x, n.op("__add_scalar__", scalar(1), CompositeConverters.abs(n, x)));
        case "softplus" -> n.op("log", Map.of(), n.op("__add_scalar__", scalar(1), n.op("exp", Map.of(), x)));
        default -> throw new IllegalStateException(name);
      };
    }

    /** The default alpha of a function that takes one, else NaN. */
    static float defaultAlpha(String f) {
      return switch (f) {
        case "affine", "scaledtanh", "thresholdedrelu", "elu" -> 1f;
        case "leakyrelu" -> 0.01f;
        case "hardsigmoid" -> 0.2f;
        default -> Float.NaN;
      };
    }

    /** The default beta of a function that takes one, else NaN. */
    static float defaultBeta(String f) {
      return switch (f) {
        case "affine" -> 0f;
        case "scaledtanh" -> 1f;
        case "hardsigmoid" -> 0.5f;
        default -> Float.NaN;
      };
    }
  }

  /** The unrolling of one ONNX node. Shapes are [T, B, I] for X (after layout), H hidden units, D directions. */
  private static final class Unroll {
    private final OnnxNode n;
    private final Cell cell;
    private final long seq;
    private final long batch;
    private final long input;
    private final long hidden;
    private final int dirs;
    private final boolean reverseOnly;
    private final boolean batchMajor;
    private final List<Activation> acts;
    private final Float clip;
    /** Per time step, whether each batch entry is still inside its sequence ([B, 1] bool), or null when every length is T. */
    private final Symbol[] masks;

    Unroll(OnnxNode n, Cell cell) {
      this.n = n;
      this.cell = cell;
      List<String> known = new ArrayList<>(List.of("activation_alpha", "activation_beta", "activations", "clip", "direction",
          "hidden_size", "layout", "output_sequence"));
      if (cell == Cell.GRU) known.add("linear_before_reset");
      if (cell == Cell.LSTM) known.add("input_forget");
      n.onlyAttrs(known.toArray(String[]::new));
      Shape x = n.shape(0);
      if (x == null || x.rank() != 3) throw n.unsupported("X must have a known 3-D shape, got " + x);
      long layout = n.attrInt("layout", 0);
      if (layout != 0 && layout != 1) throw n.unsupported("layout must be 0 or 1, got " + layout);
      batchMajor = layout == 1;
      seq = x.dim(batchMajor ? 1 : 0);
      batch = x.dim(batchMajor ? 0 : 1);
      input = x.dim(2);
      String direction = n.attrString("direction", "forward");
      switch (direction) {
        case "forward", "reverse" -> dirs = 1;
        case "bidirectional" -> dirs = 2;
        default -> throw n.unsupported("direction must be forward, reverse or bidirectional, got '" + direction + "'");
      }
      reverseOnly = direction.equals("reverse");
      Shape w = n.shape(1);
      if (w == null || w.rank() != 3 || w.dim(0) != dirs || w.dim(1) % cell.gates != 0 || w.dim(2) != input) {
        throw n.unsupported("W must have shape [" + dirs + ", " + cell.gates + " * hidden_size, " + input + "], got " + w);
      }
      hidden = n.hasAttr("hidden_size") ? n.attrInt("hidden_size", 0) : w.dim(1) / cell.gates;
      if (hidden < 1 || w.dim(1) != cell.gates * hidden) {
        throw n.unsupported("hidden_size " + hidden + " does not match W " + w + " (" + cell.gates + " gates)");
      }
      expectShape(2, "R", Shape.of(dirs, cell.gates * hidden, hidden));
      if (n.hasInput(3)) expectShape(3, "B", Shape.of(dirs, 2 * cell.gates * hidden));
      if (n.hasInput(5)) expectShape(5, "initial_h", stateShape());
      if (cell == Cell.LSTM && n.hasInput(6)) expectShape(6, "initial_c", stateShape());
      if (cell == Cell.LSTM && n.hasInput(7)) expectShape(7, "P", Shape.of(dirs, 3 * hidden));
      acts = activations();
      clip = n.hasAttr("clip") ? n.attrFloat("clip", 0f) : null;
      if (clip != null && !(clip > 0)) throw n.unsupported("clip must be positive, got " + clip);
      masks = masks();
    }

    private Shape stateShape() { return batchMajor ? Shape.of(batch, dirs, hidden) : Shape.of(dirs, batch, hidden); }

    private void expectShape(int i, String name, Shape want) {
      Shape s = n.shape(i);
      if (s == null || !s.equals(want)) throw n.unsupported(name + " must have shape " + want + ", got " + s);
    }

    /** The activations of every direction (the attribute, else the defaults), with alpha and beta consumed in order. */
    private List<Activation> activations() {
      int per = cell.defaults.size();
      List<String> names = new ArrayList<>();
      var attr = n.attr("activations");
      if (attr == null) {
        for (int d = 0; d < dirs; d++) names.addAll(cell.defaults);
      } else {
        attr.getStringsList().forEach(s -> names.add(s.toStringUtf8()));
        // One direction's list for a bidirectional node serves both (as ONNX Runtime reads it).
        if (dirs == 2 && names.size() == per) names.addAll(List.copyOf(names));
        if (names.size() != per * dirs) {
          throw n.unsupported("activations lists " + names.size() + " functions; " + cell + " with " + dirs + " direction(s) needs "
              + per * dirs);
        }
      }
      float[] alphas = floats("activation_alpha");
      float[] betas = floats("activation_beta");
      int ia = 0;
      int ib = 0;
      List<Activation> out = new ArrayList<>();
      for (String s : names) {
        String f = s.toLowerCase(Locale.ROOT);
        float alpha = Activation.defaultAlpha(f);
        float beta = Activation.defaultBeta(f);
        if (!Float.isNaN(alpha) && ia < alphas.length) alpha = alphas[ia++];
        if (!Float.isNaN(beta) && ib < betas.length) beta = betas[ib++];
        if (!KNOWN.contains(f)) throw n.unsupported("activation '" + s + "' is not supported; expected one of " + KNOWN);
        out.add(new Activation(f, alpha, beta));
      }
      return out;
    }

    private float[] floats(String attr) {
      var a = n.attr(attr);
      if (a == null) return new float[0];
      float[] v = new float[a.getFloatsCount()];
      for (int i = 0; i < v.length; i++) v[i] = a.getFloats(i);
      return v;
    }

    private Symbol[] masks() {
      if (!n.hasInput(4)) return null;
      long[] lens = n.constantInts(4);
      if (lens == null) throw n.unsupported("sequence_lens must be a constant (an initializer, a Constant or a bound input)");
      if (lens.length != batch) throw n.unsupported("sequence_lens has " + lens.length + " values for batch " + batch);
      boolean full = true;
      for (long l : lens) {
        if (l < 0 || l > seq) throw n.unsupported("sequence length " + l + " is outside [0, " + seq + "]");
        full &= l == seq;
      }
      if (full) return null;
      Symbol[] out = new Symbol[(int) seq];
      for (int t = 0; t < seq; t++) {
        NDArray m = NDArray.allocate(DType.BOOL, Shape.of(batch, 1));
        for (int b = 0; b < batch; b++) m.setDouble(b, t < lens[b] ? 1 : 0);
        out[t] = n.param("mask" + t, m);
      }
      return out;
    }

    /** Y, Y_h and (LSTM) Y_c. */
    List<Symbol> outputs() {
      Symbol x = n.input(0);
      if (batchMajor) x = n.op("transpose", Map.of("axes", tuple(1, 0, 2)), x);
      Symbol x2d = reshape(x, seq * batch, input);
      List<Symbol> ys = new ArrayList<>();
      List<Symbol> hs = new ArrayList<>();
      List<Symbol> cs = new ArrayList<>();
      for (int d = 0; d < dirs; d++) {
        Symbol[] r = direction(d, x2d, reverseOnly || d == 1);
        ys.add(r[0]);
        hs.add(r[1]);
        if (r[2] != null) cs.add(r[2]);
      }
      Symbol y = concat(1, ys);
      Symbol yh = concat(0, hs);
      Symbol yc = cs.isEmpty() ? null : concat(0, cs);
      if (batchMajor) {
        y = n.op("transpose", Map.of("axes", tuple(2, 0, 1, 3)), y);
        yh = n.op("transpose", Map.of("axes", tuple(1, 0, 2)), yh);
        if (yc != null) yc = n.op("transpose", Map.of("axes", tuple(1, 0, 2)), yc);
      }
      return yc == null ? List.of(y, yh) : List.of(y, yh, yc);
    }

    /** One direction: {Y [T, 1, B, H], Y_h [1, B, H], Y_c [1, B, H] or null}. */
    private Symbol[] direction(int d, Symbol x2d, boolean reverse) {
      long gh = cell.gates * hidden;
      Symbol w = reshape(slice(n.input(1), 0, d, d + 1), gh, input);
      Symbol r = reshape(slice(n.input(2), 0, d, d + 1), gh, hidden);
      Symbol wb = null;
      Symbol rb = null;
      if (n.hasInput(3)) {
        Symbol b = reshape(slice(n.input(3), 0, d, d + 1), 2 * gh);
        wb = slice(b, 0, 0, gh);
        rb = slice(b, 0, gh, 2 * gh);
      }
      // The input projection of every step at once: [T * B, G * H]; GRU adds the recurrence bias per gate below.
      Symbol xbias = wb == null ? null : cell == Cell.GRU ? wb : n.op("elemwise_add", Map.of(), wb, rb);
      Symbol xp = dense(x2d, w, xbias, gh);
      Symbol h = initial(5, d);
      Symbol c = cell == Cell.LSTM ? initial(6, d) : null;
      Symbol p = cell == Cell.LSTM && n.hasInput(7) ? reshape(slice(n.input(7), 0, d, d + 1), 3 * hidden) : null;
      List<Activation> f = acts.subList(d * cell.defaults.size(), (d + 1) * cell.defaults.size());
      Symbol[] ys = new Symbol[(int) seq];
      Symbol zero = masks == null ? null : CompositeConverters.scalarParam(n, "zero", 0);
      for (int k = 0; k < seq; k++) {
        int t = (int) (reverse ? seq - 1 - k : k);
        Symbol xt = slice(xp, 0, t * batch, (t + 1) * batch);
        Symbol[] next = switch (cell) {
          case RNN -> new Symbol[] {act(f.get(0), n.op("elemwise_add", Map.of(), xt, dense(h, r, null, hidden))), null};
          case GRU -> new Symbol[] {gru(xt, h, r, rb, f), null};
          case LSTM -> lstm(xt, h, c, r, p, f);
        };
        if (masks == null) {
          h = next[0];
          c = next[1];
          ys[t] = h;
        } else {
          ys[t] = n.op("where", Map.of(), masks[t], next[0], zero);
          h = n.op("where", Map.of(), masks[t], next[0], h);
          if (c != null) c = n.op("where", Map.of(), masks[t], next[1], c);
        }
      }
      List<Symbol> steps = new ArrayList<>();
      for (Symbol s : ys) steps.add(reshape(s, 1, 1, batch, hidden));
      return new Symbol[] {concat(0, steps), reshape(h, 1, batch, hidden), c == null ? null : reshape(c, 1, batch, hidden)};
    }

    /** GRU: z, r = f(x_zr + H R_zr' + Rb_zr); h~ = g(x_h + (r * H) R_h' + Rb_h) (or r * (H R_h' + Rb_h)); H' = (1 - z) h~ + z H. */
    private Symbol gru(Symbol xt, Symbol h, Symbol r, Symbol rb, List<Activation> f) {
      Symbol rzr = slice(r, 0, 0, 2 * hidden);
      Symbol rh = slice(r, 0, 2 * hidden, 3 * hidden);
      Symbol zr = n.op("elemwise_add", Map.of(), slice(xt, 1, 0, 2 * hidden),
          dense(h, rzr, rb == null ? null : slice(rb, 0, 0, 2 * hidden), 2 * hidden));
      Symbol z = act(f.get(0), slice(zr, 1, 0, hidden));
      Symbol reset = act(f.get(0), slice(zr, 1, hidden, 2 * hidden));
      Symbol rbh = rb == null ? null : slice(rb, 0, 2 * hidden, 3 * hidden);
      Symbol rec = n.attrInt("linear_before_reset", 0) != 0
          ? mul(reset, dense(h, rh, rbh, hidden))
          : dense(mul(reset, h), rh, rbh, hidden);
      Symbol hh = act(f.get(1), n.op("elemwise_add", Map.of(), slice(xt, 1, 2 * hidden, 3 * hidden), rec));
      Symbol oneMinusZ = n.op("__add_scalar__", scalar(1), n.op("negative", Map.of(), z));
      return n.op("elemwise_add", Map.of(), mul(oneMinusZ, hh), mul(z, h));
    }

    /** LSTM (gates i, o, f, c): i = f(x_i + H R_i' + P_i C), ... C' = f C + i g(x_c + ...), H' = o h(C'). */
    private Symbol[] lstm(Symbol xt, Symbol h, Symbol c, Symbol r, Symbol p, List<Activation> f) {
      Symbol g = n.op("elemwise_add", Map.of(), xt, dense(h, r, null, 4 * hidden));
      Symbol gi = slice(g, 1, 0, hidden);
      Symbol go = slice(g, 1, hidden, 2 * hidden);
      Symbol gf = slice(g, 1, 2 * hidden, 3 * hidden);
      Symbol gc = slice(g, 1, 3 * hidden, 4 * hidden);
      Symbol i = act(f.get(0), peephole(gi, p, 0, c));
      Symbol fg = n.attrInt("input_forget", 0) != 0
          ? n.op("__add_scalar__", scalar(1), n.op("negative", Map.of(), i))
          : act(f.get(0), peephole(gf, p, 2, c));
      Symbol cNext = n.op("elemwise_add", Map.of(), mul(fg, c), mul(i, act(f.get(1), gc)));
      Symbol o = act(f.get(0), peephole(go, p, 1, cNext));
      // clip bounds the inputs of the gate activations, not the cell state that h() reads (as ONNX Runtime does).
      return new Symbol[] {mul(o, f.get(2).apply(n, cNext)), cNext};
    }

    /** {@code gate + P[k] * c} (k: 0 input, 1 output, 2 forget), or the gate alone without peepholes. */
    private Symbol peephole(Symbol gate, Symbol p, int k, Symbol c) {
      if (p == null) return gate;
      Symbol pk = slice(p, 0, k * hidden, (k + 1) * hidden);
      return n.op("elemwise_add", Map.of(), gate, n.op("broadcast_mul", Map.of(), c, pk));
    }

    /** The activation applied after clip (when set). */
    private Symbol act(Activation a, Symbol x) {
      if (clip != null) x = n.op("clip", Map.of("a_min", Float.toString(-clip), "a_max", Float.toString(clip)), x);
      return a.apply(n, x);
    }

    /** Direction {@code d}'s initial state [B, H] from input {@code i} (zeros when absent). */
    private Symbol initial(int i, int d) {
      if (!n.hasInput(i)) return n.param(i == 5 ? "h0" : "c0", NDArray.allocate(dtype(), Shape.of(batch, hidden)));
      Symbol s = n.input(i);
      return reshape(batchMajor ? slice(s, 1, d, d + 1) : slice(s, 0, d, d + 1), batch, hidden);
    }

    private DType dtype() {
      DType t = n.dtype(0);
      if (t == null || !t.isFloat()) throw n.unsupported("X must have a known floating-point dtype, got " + t);
      return t;
    }

    private Symbol dense(Symbol x, Symbol w, Symbol bias, long units) {
      if (bias == null) return n.op("dense", Map.of("units", Long.toString(units), "use_bias", "False"), x, w);
      return n.op("dense", Map.of("units", Long.toString(units)), x, w, bias);
    }

    private Symbol mul(Symbol a, Symbol b) { return n.op("elemwise_mul", Map.of(), a, b); }

    private Symbol reshape(Symbol s, long... shape) { return n.op("reshape", Map.of("shape", tuple(shape)), s); }

    /** {@code s[from:to]} ({@code axis} 0) or {@code s[:, from:to]} ({@code axis} 1, where dimension 0 is the batch). */
    private Symbol slice(Symbol s, int axis, long from, long to) {
      if (axis == 0) return n.op("strided_slice", Map.of("begin", tuple(from), "end", tuple(to)), s);
      return n.op("strided_slice", Map.of("begin", tuple(0, from), "end", tuple(batch, to)), s);
    }

    private Symbol concat(int axis, List<Symbol> parts) {
      if (parts.size() == 1) return parts.get(0);
      return n.op("concatenate", Map.of("axis", Integer.toString(axis)), parts.toArray(Symbol[]::new));
    }
  }
}
