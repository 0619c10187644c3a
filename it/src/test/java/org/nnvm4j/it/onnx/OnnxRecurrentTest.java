package org.nnvm4j.it.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.frontend.onnx.OnnxImporter;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ModelProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.NodeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.OperatorSetIdProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorShapeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TypeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ValueInfoProto;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * ONNX RNN, GRU and LSTM imported, compiled for llvm and run, against a plain-Java implementation of
 * the ONNX definitions, over the variants the conformance data leaves out: bidirectional and reverse,
 * other activations with alpha/beta, clip, peepholes with initial states, input_forget,
 * linear_before_reset, sequence lengths shorter than the sequence, and layout 1; odd sizes throughout.
 * Tolerance |a - d| <= 1e-5 + 1e-4 |d| (float32 against double).
 */
class OnnxRecurrentTest {
  @TempDir Path dir;

  /** One recurrent node to build and check. */
  record Spec(String op, int seq, int batch, int input, int hidden, String direction, List<String> acts, float[] alphas, float[] betas,
      Float clip, boolean bias, boolean initial, boolean peepholes, int[] lens, int layout, boolean linearBeforeReset, boolean inputForget) {
    int gates() { return op.equals("LSTM") ? 4 : op.equals("GRU") ? 3 : 1; }

    int dirs() { return direction.equals("bidirectional") ? 2 : 1; }
  }

  static Spec spec(String op, String direction) {
    return new Spec(op, 5, 3, 4, 3, direction, null, null, null, null, false, false, false, null, 0, false, false);
  }

  @Test
  void lstmBidirectionalWithPeepholesInitialStatesClipAndLengths() throws IOException {
    Spec s = spec("LSTM", "bidirectional");
    check(new Spec(s.op(), 6, 3, 5, 4, s.direction(), null, null, null, 2.5f, true, true, true, new int[] {6, 2, 4}, 0, false, false));
  }

  @Test
  void lstmReverseWithOtherActivationsInputForgetAndBatchMajorLayout() throws IOException {
    check(new Spec("LSTM", 4, 2, 3, 5, "reverse", List.of("HardSigmoid", "LeakyRelu", "ScaledTanh"), new float[] {0.3f, 0.05f, 1.2f},
        new float[] {0.4f, 0.8f}, null, true, true, false, new int[] {3, 4}, 1, false, true));
  }

  @Test
  void gruEveryDirectionAndLinearBeforeReset() throws IOException {
    check(new Spec("GRU", 5, 3, 4, 3, "forward", null, null, null, null, true, true, false, null, 0, true, false));
    check(new Spec("GRU", 5, 2, 3, 4, "reverse", null, null, null, 1.5f, true, false, false, new int[] {2, 5}, 0, false, false));
    check(new Spec("GRU", 3, 2, 5, 3, "bidirectional", List.of("Sigmoid", "Softsign", "HardSigmoid", "Elu"), new float[] {0.25f, 0.7f},
        new float[] {0.45f}, null, true, true, false, null, 1, true, false));
  }

  @Test
  void rnnBidirectionalWithReluAndAffineAndOneListForBothDirections() throws IOException {
    check(new Spec("RNN", 4, 3, 2, 5, "bidirectional", List.of("Relu", "Affine"), new float[] {0.5f}, new float[] {-0.1f}, null, true,
        true, false, new int[] {4, 1, 3}, 0, false, false));
    check(new Spec("RNN", 7, 1, 3, 2, "forward", null, null, null, null, false, false, false, null, 1, false, false));
    check(new Spec("RNN", 3, 2, 3, 3, "bidirectional", List.of("Elu"), new float[] {0.6f}, null, null, true, false, false, null, 0, false,
        false));
  }

  @Test
  void unknownActivationAndVariableLengthsAreReported() throws IOException {
    Spec bad = new Spec("RNN", 3, 2, 2, 2, "forward", List.of("Swish"), null, null, null, false, false, false, null, 0, false, false);
    Path file = write(bad, new Random(1), new LinkedHashMap<>());
    assertThatThrownBy(() -> OnnxImporter.importModel(file, Map.of()).close()).isInstanceOf(CompileException.class)
        .hasMessageContaining("node 'rnn'").hasMessageContaining("activation 'Swish' is not supported");
  }

  private void check(Spec s) throws IOException {
    Random r = new Random(s.hashCode());
    Map<String, float[]> values = new LinkedHashMap<>();
    Path file = write(s, r, values);
    double[][] want = reference(s, values);
    NDArray x = NDArray.of(values.get("X"), xShape(s));
    List<NDArray> outs = OnnxRuns.run(file, Map.of("X", x));
    for (int k = 0; k < want.length; k++) {
      float[] got = outs.get(k).toFloatArray();
      assertThat(got).hasSize(want[k].length);
      for (int i = 0; i < got.length; i++) {
        assertThat(Math.abs(got[i] - want[k][i])).as("%s %s output %d element %d: %f vs %f", s.op(), s.direction(), k, i, got[i],
            want[k][i]).isLessThanOrEqualTo(1e-5 + 1e-4 * Math.abs(want[k][i]));
      }
    }
    outs.forEach(NDArray::close);
  }

  private static Shape xShape(Spec s) { return s.layout() == 1 ? Shape.of(s.batch(), s.seq(), s.input()) : Shape.of(s.seq(), s.batch(), s.input()); }

  private static Shape stateShape(Spec s) {
    return s.layout() == 1 ? Shape.of(s.batch(), s.dirs(), s.hidden()) : Shape.of(s.dirs(), s.batch(), s.hidden());
  }

  /** Writes the model with random X and weights (recorded in {@code values}, layout as given to ONNX). */
  private Path write(Spec s, Random r, Map<String, float[]> values) throws IOException {
    int d = s.dirs();
    int gh = s.gates() * s.hidden();
    GraphProto.Builder g = GraphProto.newBuilder().setName("recurrent").addInput(f32Value("X", xShape(s)));
    values.put("X", random(r, xShape(s).numElements(), 1));
    List<String> ins = new ArrayList<>(List.of("X", "W", "R", "", "", "", "", ""));
    g.addInitializer(f32("W", values, r, Shape.of(d, gh, s.input())));
    g.addInitializer(f32("R", values, r, Shape.of(d, gh, s.hidden())));
    if (s.bias()) {
      g.addInitializer(f32("B", values, r, Shape.of(d, 2L * gh)));
      ins.set(3, "B");
    }
    if (s.lens() != null) {
      TensorProto.Builder t = TensorProto.newBuilder().setName("L").setDataType(TensorProto.DataType.INT32_VALUE).addDims(s.batch());
      for (int l : s.lens()) t.addInt32Data(l);
      g.addInitializer(t);
      ins.set(4, "L");
    }
    if (s.initial()) {
      g.addInitializer(f32("H0", values, r, stateShape(s)));
      ins.set(5, "H0");
      if (s.op().equals("LSTM")) {
        g.addInitializer(f32("C0", values, r, stateShape(s)));
        ins.set(6, "C0");
      }
    }
    if (s.peepholes()) {
      g.addInitializer(f32("P", values, r, Shape.of(d, 3L * s.hidden())));
      ins.set(7, "P");
    }
    while (ins.get(ins.size() - 1).isEmpty()) ins.remove(ins.size() - 1);
    List<String> outs = new ArrayList<>(List.of("Y", "Y_h"));
    if (s.op().equals("LSTM")) outs.add("Y_c");
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(s.op()).setName("rnn").addAllInput(ins).addAllOutput(outs)
        .addAttribute(AttributeProto.newBuilder().setName("hidden_size").setType(AttributeProto.AttributeType.INT).setI(s.hidden()))
        .addAttribute(AttributeProto.newBuilder().setName("direction").setType(AttributeProto.AttributeType.STRING)
            .setS(ByteString.copyFromUtf8(s.direction())))
        .addAttribute(AttributeProto.newBuilder().setName("layout").setType(AttributeProto.AttributeType.INT).setI(s.layout()));
    if (s.acts() != null) {
      AttributeProto.Builder a = AttributeProto.newBuilder().setName("activations").setType(AttributeProto.AttributeType.STRINGS);
      s.acts().forEach(x -> a.addStrings(ByteString.copyFromUtf8(x)));
      n.addAttribute(a);
    }
    if (s.alphas() != null) n.addAttribute(floats("activation_alpha", s.alphas()));
    if (s.betas() != null) n.addAttribute(floats("activation_beta", s.betas()));
    if (s.clip() != null) n.addAttribute(AttributeProto.newBuilder().setName("clip").setType(AttributeProto.AttributeType.FLOAT).setF(s.clip()));
    if (s.linearBeforeReset()) {
      n.addAttribute(AttributeProto.newBuilder().setName("linear_before_reset").setType(AttributeProto.AttributeType.INT).setI(1));
    }
    if (s.inputForget()) n.addAttribute(AttributeProto.newBuilder().setName("input_forget").setType(AttributeProto.AttributeType.INT).setI(1));
    g.addNode(n);
    for (String o : outs) g.addOutput(ValueInfoProto.newBuilder().setName(o));
    ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("nnvm4j-test")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(14)).setGraph(g).build();
    Path p = dir.resolve(s.op() + "-" + s.direction() + "-" + Integer.toHexString(s.hashCode()) + ".onnx");
    Files.write(p, model.toByteArray());
    return p;
  }

  private static AttributeProto floats(String name, float[] v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
    for (float f : v) a.addFloats(f);
    return a.build();
  }

  private static float[] random(Random r, long n, double scale) {
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    return v;
  }

  private static TensorProto f32(String name, Map<String, float[]> values, Random r, Shape shape) {
    float[] v = random(r, shape.numElements(), 0.8);
    values.put(name, v);
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
    for (long dim : shape.toArray()) t.addDims(dim);
    for (float f : v) t.addFloatData(f);
    return t.build();
  }

  private static ValueInfoProto f32Value(String name, Shape shape) {
    TensorShapeProto.Builder sp = TensorShapeProto.newBuilder();
    for (long dim : shape.toArray()) sp.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(sp))).build();
  }

  // ---- the plain-Java reference, from the ONNX operator definitions ----

  /** One activation with alpha and beta. */
  record Act(String name, double alpha, double beta) {
    double apply(double x) {
      return switch (name) {
        case "sigmoid" -> 1 / (1 + Math.exp(-x));
        case "tanh" -> Math.tanh(x);
        case "relu" -> Math.max(x, 0);
        case "affine" -> alpha * x + beta;
        case "leakyrelu" -> x >= 0 ? x : alpha * x;
        case "scaledtanh" -> alpha * Math.tanh(beta * x);
        case "hardsigmoid" -> Math.min(1, Math.max(0, alpha * x + beta));
        case "elu" -> x >= 0 ? x : alpha * (Math.exp(x) - 1);
        case "softsign" -> x / (1 + Math.abs(x));
        default -> throw new IllegalArgumentException(name);
      };
    }
  }

  private static List<Act> acts(Spec s) {
    List<String> names = new ArrayList<>();
    List<String> defaults = switch (s.op()) {
      case "LSTM" -> List.of("Sigmoid", "Tanh", "Tanh");
      case "GRU" -> List.of("Sigmoid", "Tanh");
      default -> List.of("Tanh");
    };
    if (s.acts() == null) for (int d = 0; d < s.dirs(); d++) names.addAll(defaults);
    else names.addAll(s.acts());
    if (s.dirs() == 2 && names.size() == defaults.size()) names.addAll(List.copyOf(names)); // one list serves both directions
    int ia = 0;
    int ib = 0;
    List<Act> out = new ArrayList<>();
    for (String n : names) {
      String f = n.toLowerCase(java.util.Locale.ROOT);
      boolean hasAlpha = List.of("affine", "leakyrelu", "scaledtanh", "hardsigmoid", "elu").contains(f);
      boolean hasBeta = List.of("affine", "scaledtanh", "hardsigmoid").contains(f);
      double alpha = f.equals("leakyrelu") ? 0.01 : f.equals("hardsigmoid") ? 0.2 : 1;
      double beta = f.equals("hardsigmoid") ? 0.5 : f.equals("affine") ? 0 : 1;
      if (hasAlpha && s.alphas() != null && ia < s.alphas().length) alpha = s.alphas()[ia++];
      if (hasBeta && s.betas() != null && ib < s.betas().length) beta = s.betas()[ib++];
      out.add(new Act(f, alpha, beta));
    }
    return out;
  }

  /** {Y, Y_h, (Y_c)} flattened in the node's layout. */
  private static double[][] reference(Spec s, Map<String, float[]> v) {
    int t = s.seq(), b = s.batch(), in = s.input(), h = s.hidden(), g = s.gates(), dirs = s.dirs();
    boolean lstm = s.op().equals("LSTM");
    double[][][] y = new double[t][dirs * b][h];
    double[][] yh = new double[dirs * b][h];
    double[][] yc = new double[dirs * b][h];
    List<Act> acts = acts(s);
    int per = acts.size() / dirs;
    for (int d = 0; d < dirs; d++) {
      boolean reverse = s.direction().equals("reverse") || d == 1;
      List<Act> f = acts.subList(d * per, (d + 1) * per);
      for (int n = 0; n < b; n++) {
        double[] hs = new double[h];
        double[] cs = new double[h];
        if (s.initial()) {
          for (int j = 0; j < h; j++) {
            hs[j] = v.get("H0")[stateIndex(s, d, n, j)];
            if (lstm) cs[j] = v.get("C0")[stateIndex(s, d, n, j)];
          }
        }
        int len = s.lens() == null ? t : s.lens()[n];
        for (int k = 0; k < len; k++) {
          int step = reverse ? len - 1 - k : k;
          double[] x = new double[in];
          for (int i = 0; i < in; i++) x[i] = v.get("X")[s.layout() == 1 ? (n * t + step) * in + i : (step * b + n) * in + i];
          double[][] next = cell(s, v, d, f, x, hs, cs);
          hs = next[0];
          cs = next[1];
          y[step][d * b + n] = hs.clone();
        }
        yh[d * b + n] = hs;
        yc[d * b + n] = cs;
      }
    }
    List<double[]> outs = new ArrayList<>();
    double[] yf = new double[t * dirs * b * h];
    for (int st = 0; st < t; st++) {
      for (int d = 0; d < dirs; d++) {
        for (int n = 0; n < b; n++) {
          for (int j = 0; j < h; j++) {
            int at = s.layout() == 1 ? ((n * t + st) * dirs + d) * h + j : ((st * dirs + d) * b + n) * h + j;
            yf[at] = y[st][d * b + n][j];
          }
        }
      }
    }
    outs.add(yf);
    outs.add(state(s, yh));
    if (lstm) outs.add(state(s, yc));
    return outs.toArray(double[][]::new);
  }

  private static int stateIndex(Spec s, int d, int n, int j) {
    return s.layout() == 1 ? (n * s.dirs() + d) * s.hidden() + j : (d * s.batch() + n) * s.hidden() + j;
  }

  private static double[] state(Spec s, double[][] st) {
    double[] out = new double[s.dirs() * s.batch() * s.hidden()];
    for (int d = 0; d < s.dirs(); d++) {
      for (int n = 0; n < s.batch(); n++) {
        for (int j = 0; j < s.hidden(); j++) out[stateIndex(s, d, n, j)] = st[d * s.batch() + n][j];
      }
    }
    return out;
  }

  /** x W_g' + h R_g' + Wb_g (+ Rb_g) for gate {@code gate} of direction d, as a vector of hidden units. */
  private static double[] project(Spec s, Map<String, float[]> v, int d, int gate, double[] x, double[] hs, boolean recurrentBias) {
    int h = s.hidden(), in = s.input(), gh = s.gates() * h;
    double[] out = new double[h];
    for (int j = 0; j < h; j++) {
      int row = gate * h + j;
      double a = 0;
      for (int i = 0; i < in; i++) a += x[i] * v.get("W")[(d * gh + row) * in + i];
      if (hs != null) for (int i = 0; i < h; i++) a += hs[i] * v.get("R")[(d * gh + row) * h + i];
      if (s.bias()) {
        a += v.get("B")[d * 2 * gh + row];
        if (recurrentBias) a += v.get("B")[d * 2 * gh + gh + row];
      }
      out[j] = a;
    }
    return out;
  }

  private static double[] recurrent(Spec s, Map<String, float[]> v, int d, int gate, double[] hs) {
    int h = s.hidden(), gh = s.gates() * h;
    double[] out = new double[h];
    for (int j = 0; j < h; j++) {
      double a = s.bias() ? v.get("B")[d * 2 * gh + gh + gate * h + j] : 0;
      for (int i = 0; i < h; i++) a += hs[i] * v.get("R")[(d * gh + gate * h + j) * h + i];
      out[j] = a;
    }
    return out;
  }

  private static double clip(Spec s, double x) { return s.clip() == null ? x : Math.max(-s.clip(), Math.min(s.clip(), x)); }

  private static double[][] cell(Spec s, Map<String, float[]> v, int d, List<Act> f, double[] x, double[] hs, double[] cs) {
    int h = s.hidden();
    double[] hn = new double[h];
    double[] cn = new double[h];
    switch (s.op()) {
      case "RNN" -> {
        double[] a = project(s, v, d, 0, x, hs, true);
        for (int j = 0; j < h; j++) hn[j] = f.get(0).apply(clip(s, a[j]));
      }
      case "GRU" -> {
        double[] z = project(s, v, d, 0, x, hs, true);
        double[] r = project(s, v, d, 1, x, hs, true);
        double[] xh = project(s, v, d, 2, x, null, false);
        for (int j = 0; j < h; j++) {
          z[j] = f.get(0).apply(clip(s, z[j]));
          r[j] = f.get(0).apply(clip(s, r[j]));
        }
        double[] rec;
        if (s.linearBeforeReset()) {
          rec = recurrent(s, v, d, 2, hs);
          for (int j = 0; j < h; j++) rec[j] *= r[j];
        } else {
          double[] rh = new double[h];
          for (int j = 0; j < h; j++) rh[j] = r[j] * hs[j];
          rec = recurrent(s, v, d, 2, rh);
        }
        for (int j = 0; j < h; j++) {
          double hh = f.get(1).apply(clip(s, xh[j] + rec[j]));
          hn[j] = (1 - z[j]) * hh + z[j] * hs[j];
        }
      }
      default -> {
        double[] gi = project(s, v, d, 0, x, hs, true);
        double[] go = project(s, v, d, 1, x, hs, true);
        double[] gf = project(s, v, d, 2, x, hs, true);
        double[] gc = project(s, v, d, 3, x, hs, true);
        float[] p = s.peepholes() ? v.get("P") : null;
        for (int j = 0; j < h; j++) {
          double pi = p == null ? 0 : p[d * 3 * h + j], po = p == null ? 0 : p[d * 3 * h + h + j], pf = p == null ? 0 : p[d * 3 * h + 2 * h + j];
          double i = f.get(0).apply(clip(s, gi[j] + pi * cs[j]));
          double fg = s.inputForget() ? 1 - i : f.get(0).apply(clip(s, gf[j] + pf * cs[j]));
          cn[j] = fg * cs[j] + i * f.get(1).apply(clip(s, gc[j]));
          double o = f.get(0).apply(clip(s, go[j] + po * cn[j]));
          hn[j] = o * f.get(2).apply(cn[j]);
        }
      }
    }
    return new double[][] {hn, cn};
  }
}
