package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.nnvm4j.graph.ops.NnOpsTest.assertClose;
import static org.nnvm4j.graph.ops.OpCompute.random;
import static org.nnvm4j.graph.ops.OpCompute.run;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.graph.OpRegistry;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.graph.pass.InferType;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * instance_norm, layer_norm, l2_normalize, lp_pool1d-3d and global_lp_pool as graph ops: shape and type
 * inference, the attribute and shape errors (naming node, op and attribute), and their computes in the TIR
 * interpreter against plain-Java loops (tolerance 1e-5 + 1e-5 |d|). The computes' corner cases are in
 * ir-tensor's NormTest and LpPoolTest.
 */
class NormOpsTest {
  private static final Symbol X = Symbol.variable("x");
  private static final Symbol G = Symbol.variable("g");
  private static final Symbol B = Symbol.variable("b");

  private static Shape[] shapes(Symbol s, Map<String, Shape> in) {
    Graph g = InferShape.apply(Graph.create(s), in);
    return g.attr(Graph.SHAPE, Shape[].class);
  }

  /** Per row of [rows, n]: (x - mean) / sqrt(var + eps) * g[j] + b[j], the population variance. */
  private static float[] normRows(float[] x, int n, float[] g, float[] b, double eps) {
    float[] out = new float[x.length];
    for (int r = 0; r < x.length / n; r++) {
      double mean = 0, var = 0;
      for (int j = 0; j < n; j++) mean += x[r * n + j] / (double) n;
      for (int j = 0; j < n; j++) var += (x[r * n + j] - mean) * (x[r * n + j] - mean) / n;
      for (int j = 0; j < n; j++) {
        double y = (x[r * n + j] - mean) / Math.sqrt(var + eps);
        out[r * n + j] = (float) (y * (g.length == n ? g[j] : g[r % g.length]) + (b == null ? 0 : b.length == n ? b[j] : b[r % b.length]));
      }
    }
    return out;
  }

  @Test
  void layerNormOverTheTrailingAxesWithAndWithoutBeta() {
    NDArray x = random(1, 2, 3, 5), g = random(2, 3, 5), b = random(3, 3, 5);
    assertClose(run("layer_norm", Map.of("axis", "1"), x, g, b), x.shape(), normRows(x.toFloatArray(), 15, g.toFloatArray(), b.toFloatArray(), 1e-5));
    NDArray g1 = random(4, 5);
    assertClose(run("layer_norm", Map.of("center", "False", "epsilon", "0.01"), x, g1), x.shape(),
        normRows(x.toFloatArray(), 5, g1.toFloatArray(), null, 0.01));
  }

  @Test
  void instanceNormPerChannelOfEachSample() {
    NDArray x = random(5, 2, 3, 7), g = random(6, 3), b = random(7, 3);
    // rows are (n, c) pairs; gamma and beta index by c = row % 3
    assertClose(run("instance_norm", Map.of("epsilon", "0.001"), x, g, b), x.shape(),
        normRows(x.toFloatArray(), 7, g.toFloatArray(), b.toFloatArray(), 0.001));
  }

  @Test
  void l2NormalizeOverTheLastAxisAndOverAll() {
    NDArray x = random(8, 3, 4);
    float[] v = x.toFloatArray();
    float[] rows = new float[v.length], all = new float[v.length];
    double total = 0;
    for (float f : v) total += f * (double) f;
    for (int r = 0; r < 3; r++) {
      double s = 0;
      for (int j = 0; j < 4; j++) s += v[r * 4 + j] * (double) v[r * 4 + j];
      for (int j = 0; j < 4; j++) rows[r * 4 + j] = (float) (v[r * 4 + j] / Math.sqrt(Math.max(s, 0.5)));
    }
    for (int i = 0; i < v.length; i++) all[i] = (float) (v[i] / Math.sqrt(total));
    assertClose(run("l2_normalize", Map.of("axis", "(-1,)", "eps", "0.5"), x), x.shape(), rows);
    assertClose(run("l2_normalize", Map.of(), x), x.shape(), all);
  }

  /** (sum over the window's taps inside the data of |x|^p)^(1/p), by loops over every output position. */
  private static float[] lpPool(float[] d, long[] ds, int[] k, int[] s, int[] pb, int[] pe, double p) {
    int[] undilated = new int[k.length];
    Arrays.fill(undilated, 1);
    long[] os = NdReference.poolShape(ds, k, s, undilated, pb, pe, false);
    float[] out = new float[NdReference.size(os)];
    long[] ks = Arrays.stream(k).asLongStream().toArray();
    for (int f = 0; f < out.length; f++) {
      int[] o = NdReference.unflat(os, f);
      double sum = 0;
      for (int kf = 0; kf < NdReference.size(ks); kf++) {
        int[] t = NdReference.unflat(ks, kf);
        int[] at = o.clone();
        for (int i = 0; i < k.length; i++) at[i + 2] = o[i + 2] * s[i] - pb[i] + t[i];
        if (NdReference.inside(ds, at)) sum += Math.pow(Math.abs(d[NdReference.flat(ds, at)]), p);
      }
      out[f] = (float) Math.pow(sum, 1 / p);
    }
    return out;
  }

  @Test
  void lpPoolsOverOneToThreeAxes() {
    long[][] shapes = {{2, 3, 9}, {1, 2, 5, 7}, {1, 2, 3, 4, 5}};
    for (int r = 1; r <= 3; r++) {
      long[] ds = shapes[r - 1];
      int[] k = new int[r], s = new int[r], pb = new int[r], pe = new int[r];
      Arrays.fill(k, 2);
      Arrays.fill(s, 2);
      pb[0] = 1;
      pe[r - 1] = 1;
      int[] pad = new int[2 * r];
      System.arraycopy(pb, 0, pad, 0, r);
      System.arraycopy(pe, 0, pad, r, r);
      NDArray x = random(10 + r, ds);
      for (String p : new String[] {"1", "2", "3"}) {
        Map<String, String> a = new LinkedHashMap<>(Map.of("pool_size", OpAttrs.tuple(k), "strides", OpAttrs.tuple(s),
            "padding", OpAttrs.tuple(pad), "p", p));
        float[] want = lpPool(x.toFloatArray(), ds, k, s, pb, pe, Double.parseDouble(p));
        NDArray got = run("lp_pool" + r + "d", a, x);
        assertClose(got, got.shape(), want);
        assertThat(got.numElements()).isEqualTo(want.length);
      }
    }
    NDArray x = random(20, 2, 3, 4, 5);
    float[] v = x.toFloatArray(), want = new float[6];
    for (int i = 0; i < v.length; i++) want[i / 20] += Math.abs(v[i]) * Math.abs(v[i]) * Math.abs(v[i]);
    for (int i = 0; i < 6; i++) want[i] = (float) Math.cbrt(want[i]);
    assertClose(run("global_lp_pool", Map.of("p", "3"), x), Shape.of(2, 3, 1, 1), want);
  }

  @Test
  void inferenceFillsGammaAndBetaAndKeepsTheDataShape() {
    Shape[] ln = shapes(Symbol.create("layer_norm", "ln", Map.of("axis", "-2"), X, G, B), Map.of("x", Shape.of(4, 6, 8)));
    assertThat(ln).containsExactly(Shape.of(4, 6, 8), Shape.of(6, 8), Shape.of(6, 8), Shape.of(4, 6, 8));
    Shape[] in = shapes(Symbol.create("instance_norm", "in", Map.of(), X, G, B), Map.of("x", Shape.of(2, 5, 3, 3)));
    assertThat(in).containsExactly(Shape.of(2, 5, 3, 3), Shape.of(5), Shape.of(5), Shape.of(2, 5, 3, 3));
    assertThat(shapes(Symbol.create("global_lp_pool", "gp", Map.of(), X), Map.of("x", Shape.of(2, 5, 3, 7, 4))))
        .endsWith(Shape.of(2, 5, 1, 1, 1));
    assertThat(shapes(Symbol.create("lp_pool2d", "lp", Map.of("pool_size", "3", "strides", "2", "ceil_mode", "True"), X),
        Map.of("x", Shape.of(1, 2, 6, 6)))).endsWith(Shape.of(1, 2, 3, 3));
    Graph typed = InferType.apply(Graph.create(Symbol.create("l2_normalize", "l2", Map.of(), X)),
        new InferType.Config(Map.of("x", DType.F64), null));
    assertThat(typed.attr(Graph.DTYPE, DType[].class)).containsExactly(DType.F64, DType.F64);
  }

  @Test
  void fusionPatternsAndLayoutRules() {
    for (String op : new String[] {"instance_norm", "layer_norm", "l2_normalize"}) {
      Op o = OpRegistry.get(op);
      assertThat(o.pattern()).as(op).isEqualTo(OpPattern.OPAQUE);
      assertThat(o.layoutRule()).as(op).isEqualTo(org.nnvm4j.graph.LayoutRule.FIXED);
    }
    for (String op : new String[] {"lp_pool1d", "lp_pool2d", "lp_pool3d", "global_lp_pool"}) {
      assertThat(OpRegistry.get(op).pattern()).as(op).isEqualTo(OpPattern.OUT_ELEMWISE_FUSABLE);
    }
  }

  @Test
  void errorsNameNodeOpAndAttribute() {
    assertThatThrownBy(() -> Symbol.create("layer_norm", "ln", Map.of("epsilon", "-1"), X, G, B)).isInstanceOf(CompileException.class)
        .hasMessageStartingWith("op layer_norm attribute 'epsilon' = '-1': expected a non-negative number (node 'ln', op 'layer_norm', attribute 'epsilon')");
    assertThatThrownBy(() -> Symbol.create("lp_pool2d", "lp", Map.of("pool_size", "2", "p", "0"), X))
        .hasMessageStartingWith("op lp_pool2d attribute 'p' = '0': expected a positive power");
    assertThatThrownBy(() -> Symbol.create("l2_normalize", "l2", Map.of("axis", "(1, x)"), X))
        .hasMessageStartingWith("op l2_normalize attribute 'axis' = '(1, x)': expected a tuple of integers");
    assertThatThrownBy(() -> shapes(Symbol.create("layer_norm", "ln", Map.of("axis", "1"), X, G, B), Map.of("x", Shape.of(2, 3, 4), "g", Shape.of(4))))
        .isInstanceOf(CompileException.class)
        .hasMessage("shape inference failed: input 1 (gamma) has shape [4] but [3, 4] is expected (node 'ln', op 'layer_norm')");
    assertThatThrownBy(() -> shapes(Symbol.create("layer_norm", "ln2", Map.of("axis", "3"), X, G, B), Map.of("x", Shape.of(2, 3, 4))))
        .hasMessage("shape inference failed: axis 3 is out of range for rank 3 (node 'ln2', op 'layer_norm')");
    assertThatThrownBy(() -> shapes(Symbol.create("instance_norm", "in", Map.of("axis", "0"), X, G, B), Map.of("x", Shape.of(2, 3, 4))))
        .hasMessage("shape inference failed: instance_norm: attribute axis 0 is the batch axis; expected the channel axis (node 'in', op 'instance_norm')");
    assertThatThrownBy(() -> shapes(Symbol.create("instance_norm", "in2", Map.of(), X, G, B), Map.of("x", Shape.of(2, 3))))
        .hasMessage("shape inference failed: instance_norm: data has shape [2, 3]; expected [N, C, spatial...] (node 'in2', op 'instance_norm')");
    assertThatThrownBy(() -> shapes(Symbol.create("l2_normalize", "l2", Map.of("axis", "(1, -1)"), X), Map.of("x", Shape.of(2, 3))))
        .hasMessage("shape inference failed: l2_normalize: attribute axis (1, -1) names axis 1 twice (node 'l2', op 'l2_normalize')");
    assertThatThrownBy(() -> shapes(Symbol.create("global_lp_pool", "gp", Map.of(), X), Map.of("x", Shape.of(2, 3))))
        .hasMessage("shape inference failed: global_lp_pool: data has shape [2, 3]; expected [N, C, spatial...] (node 'gp', op 'global_lp_pool')");
    assertThatThrownBy(() -> InferType.apply(Graph.create(Symbol.create("layer_norm", "li", Map.of("center", "False"), X, G)),
        new InferType.Config(Map.of("x", DType.I32), null)))
        .isInstanceOf(CompileException.class).hasMessageContaining("layer_norm: data has dtype int32; expected a float dtype").hasMessageContaining("node 'li'");
  }
}
