package org.nnvm4j.it;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** Small CNNs built with the Symbol API, with seeded random parameters, shared by the end-to-end tests. */
final class CnnModels {
  private CnnModels() {}

  /** A model: its graph, the input shape of {@code x}, and parameter shapes by name. */
  record Model(Graph graph, Shape input, Map<String, Shape> params) {
    /** Fresh parameter arrays (the compiled graph owns and closes what it is given). */
    Map<String, NDArray> newParams(long seed) {
      Map<String, NDArray> out = new LinkedHashMap<>();
      Random r = new Random(seed);
      params.forEach((name, shape) -> {
        float[] v = new float[(int) shape.numElements()];
        boolean positive = name.endsWith("var");
        for (int i = 0; i < v.length; i++) v[i] = positive ? 0.5f + r.nextFloat() : r.nextFloat() - 0.5f;
        out.put(name, NDArray.of(v, shape));
      });
      return out;
    }
  }

  private static Symbol v(String name) { return Symbol.variable(name); }

  private static Symbol conv(Symbol x, String name, int channels, int kernel, int pad) {
    return Symbol.conv2d(x, v(name + "_w"), v(name + "_b"), channels, kernel, 1, pad, Map.of());
  }

  private static Symbol bn(Symbol x, String name) {
    return Symbol.batchNorm(x, v(name + "_gamma"), v(name + "_beta"), v(name + "_mean"), v(name + "_var"), 1e-5);
  }

  private static void convParams(Map<String, Shape> p, String name, int out, int in, int kernel) {
    p.put(name + "_w", Shape.of(out, in, kernel, kernel));
    p.put(name + "_b", Shape.of(out));
  }

  private static void bnParams(Map<String, Shape> p, String name, int c) {
    for (String s : new String[] {"_gamma", "_beta", "_mean", "_var"}) p.put(name + s, Shape.of(c));
  }

  /** conv 3x3 (8 ch) + batch_norm + relu + max_pool 2x2 + dropout + flatten + dense (10) + softmax, input [1, 3, 16, 16]. */
  static Model convNet() {
    Symbol x = conv(v("x"), "conv1", 8, 3, 1);
    x = Symbol.relu(bn(x, "bn1"));
    x = Symbol.maxPool2d(x, 2, 2, 0);
    x = Symbol.flatten(Symbol.dropout(x, 0.5));
    x = Symbol.softmax(Symbol.dense(x, v("fc_w"), v("fc_b"), 10), -1);
    Map<String, Shape> p = new LinkedHashMap<>();
    convParams(p, "conv1", 8, 3, 3);
    bnParams(p, "bn1", 8);
    p.put("fc_w", Shape.of(10, 8 * 8 * 8));
    p.put("fc_b", Shape.of(10));
    return new Model(Graph.create(x), Shape.of(1, 3, 16, 16), p);
  }

  /** relu(x + bn(conv(relu(bn(conv(x)))))) with 4 channels, then avg_pool 2x2, input [2, 4, 8, 8]. */
  static Model residualBlock() {
    Symbol x = v("x");
    Symbol y = Symbol.relu(bn(conv(x, "c1", 4, 3, 1), "b1"));
    y = bn(conv(y, "c2", 4, 3, 1), "b2");
    Symbol out = Symbol.avgPool2d(Symbol.relu(Symbol.elemwiseAdd(x, y)), 2, 2, 0);
    Map<String, Shape> p = new LinkedHashMap<>();
    convParams(p, "c1", 4, 4, 3);
    bnParams(p, "b1", 4);
    convParams(p, "c2", 4, 4, 3);
    bnParams(p, "b2", 4);
    return new Model(Graph.create(out), Shape.of(2, 4, 8, 8), p);
  }

  /** Two branches (conv 1x1 with 2 ch, conv 3x3 with 3 ch) concatenated, leaky_relu, global_avg_pool, flatten; input [1, 3, 6, 6]. */
  static Model concatBranches() {
    Symbol x = v("x");
    Symbol a = conv(x, "a", 2, 1, 0);
    Symbol b = Symbol.relu(conv(x, "b", 3, 3, 1));
    Symbol out = Symbol.flatten(Symbol.globalAvgPool2d(Symbol.leakyRelu(Symbol.concatenate(1, a, b), 0.1)));
    Map<String, Shape> p = new LinkedHashMap<>();
    convParams(p, "a", 2, 3, 1);
    convParams(p, "b", 3, 3, 3);
    return new Model(Graph.create(out), Shape.of(1, 3, 6, 6), p);
  }

  /** conv2d + bias + relu alone, input [1, 2, 5, 5]. */
  static Model convBiasRelu() {
    Symbol out = Symbol.relu(conv(v("x"), "c", 3, 3, 1));
    Map<String, Shape> p = new LinkedHashMap<>();
    convParams(p, "c", 3, 2, 3);
    return new Model(Graph.create(out), Shape.of(1, 2, 5, 5), p);
  }

  static NDArray input(Shape shape, long seed) {
    Random r = new Random(seed);
    float[] v = new float[(int) shape.numElements()];
    for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
    return NDArray.of(v, shape);
  }
}
