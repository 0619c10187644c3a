package org.nnvm4j.it.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.NodeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ValueInfoProto;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * The normalization and Lp pooling converters end to end (imported, compiled for llvm, run), where the
 * conformance data has no case (LpPool, GlobalLpPool, LpNormalization) or does not mix the outputs:
 * against plain-Java references, |a - d| <= 1e-5 + 1e-4 |d|, NaN where the reference has NaN.
 */
class OnnxNormPoolTest {
  @TempDir Path dir;

  private static float[] random(long seed, int n) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = r.nextFloat() * 4 - 2;
    return v;
  }

  private static AttributeProto ints(String name, long... v) {
    AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) b.addInts(x);
    return b.build();
  }

  private static AttributeProto integer(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
  }

  private static void assertClose(float[] got, double[] want, String what) {
    assertThat(got).as(what).hasSize(want.length);
    for (int i = 0; i < want.length; i++) {
      if (Double.isNaN(want[i])) assertThat(got[i]).as("%s element %d", what, i).isNaN();
      else assertThat(Math.abs(got[i] - want[i])).as("%s element %d: %f vs %f", what, i, got[i], want[i]).isLessThanOrEqualTo(1e-5 + 1e-4 * Math.abs(want[i]));
    }
  }

  private List<NDArray> run(String op, long opset, long[] in, float[] x, int outputs, AttributeProto... attrs) throws IOException {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName("n").addInput("x");
    GraphProto.Builder g = GraphProto.newBuilder().setName(op).addInput(OnnxRuns.f32("x", in));
    for (int k = 0; k < outputs; k++) {
      n.addOutput("y" + k);
      g.addOutput(ValueInfoProto.newBuilder().setName("y" + k));
    }
    for (AttributeProto a : attrs) n.addAttribute(a);
    return OnnxRuns.run(OnnxRuns.write(dir, g.addNode(n), opset, op), Map.of("x", NDArray.of(x, Shape.of(in))));
  }

  @Test
  void lpPoolWithPaddingDilationAndCeilMode() throws IOException {
    long[] in = {1, 2, 7, 6};
    float[] x = random(1, 2 * 7 * 6);
    // 3x2 window, strides 2, dilation (1, 2), pads begin (1, 0) end (1, 1), ceil mode, p = 3
    List<NDArray> out = run("LpPool", 18, in, x, 1, ints("kernel_shape", 3, 2), ints("strides", 2, 2), ints("dilations", 1, 2),
        ints("pads", 1, 0, 1, 1), integer("ceil_mode", 1), integer("p", 3));
    // height: ceil((7 + 2 - 3) / 2) + 1 = 4; width: the dilated window spans 3, ceil((6 + 1 - 3) / 2) + 1 = 3
    int oh = 4, ow = 3;
    assertThat(out.get(0).shape()).isEqualTo(Shape.of(1, 2, oh, ow));
    double[] want = new double[2 * oh * ow];
    for (int c = 0; c < 2; c++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          double s = 0;
          for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 2; b++) {
              int y = i * 2 - 1 + a, z = j * 2 + b * 2;
              if (y >= 0 && y < 7 && z >= 0 && z < 6) s += Math.pow(Math.abs(x[(c * 7 + y) * 6 + z]), 3);
            }
          }
          want[(c * oh + i) * ow + j] = Math.cbrt(s);
        }
      }
    }
    assertClose(out.get(0).toFloatArray(), want, "LpPool");
    out.forEach(NDArray::close);
  }

  @Test
  void globalLpPoolAndLpNormalization() throws IOException {
    float[] x = random(2, 3 * 4 * 5);
    List<NDArray> g = run("GlobalLpPool", 2, new long[] {3, 4, 5}, x, 1);
    double[] want = new double[12];
    for (int i = 0; i < x.length; i++) want[i / 5] += x[i] * (double) x[i];
    for (int i = 0; i < 12; i++) want[i] = Math.sqrt(want[i]);
    assertThat(g.get(0).shape()).isEqualTo(Shape.of(3, 4, 1));
    assertClose(g.get(0).toFloatArray(), want, "GlobalLpPool");
    g.forEach(NDArray::close);
    float[] m = random(3, 4 * 6);
    for (int j = 0; j < 6; j++) m[6 + j] = 0; // row 1 is zero: 0 / 0 with p = 2, as the ONNX reference
    for (int p = 1; p <= 2; p++) {
      List<NDArray> out = run("LpNormalization", 1, new long[] {4, 6}, m, 1, integer("p", p));
      double[] norm = new double[m.length];
      for (int r = 0; r < 4; r++) {
        double s = 0;
        for (int j = 0; j < 6; j++) s += p == 1 ? Math.abs(m[r * 6 + j]) : m[r * 6 + j] * (double) m[r * 6 + j];
        for (int j = 0; j < 6; j++) norm[r * 6 + j] = m[r * 6 + j] / (p == 1 ? s : Math.sqrt(s));
      }
      assertClose(out.get(0).toFloatArray(), norm, "LpNormalization p=" + p);
      out.forEach(NDArray::close);
    }
  }
}
