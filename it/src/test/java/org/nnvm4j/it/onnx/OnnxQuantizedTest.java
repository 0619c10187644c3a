package org.nnvm4j.it.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.frontend.onnx.OnnxDTypes;
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
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * The quantized ONNX ops over what the conformance data leaves out, against plain Java with exact
 * integer results: QLinearConv with per-channel int8 weights, an int32 bias, padding and strides;
 * MatMulInteger with per-row and per-column zero points; QLinearMatMul of a 3-D by a 2-D operand.
 */
class OnnxQuantizedTest {
  @TempDir Path dir;

  /** A tensor of the model: its values (integers or floats held as doubles), dtype and shape. */
  record T(double[] v, DType dtype, Shape shape) {
    static T random(Random r, DType dtype, double lo, double hi, long... shape) {
      double[] v = new double[(int) Shape.of(shape).numElements()];
      for (int i = 0; i < v.length; i++) v[i] = dtype.isFloat() ? (float) (lo + r.nextDouble() * (hi - lo)) : Math.floor(lo + r.nextDouble() * (hi - lo + 1));
      return new T(v, dtype, Shape.of(shape));
    }

    static T of(DType dtype, double... v) { return new T(v, dtype, Shape.of(v.length)); }

    static T scalar(DType dtype, double v) { return new T(new double[] {v}, dtype, Shape.scalar()); }

    TensorProto proto(String name) {
      TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(OnnxDTypes.code(dtype));
      for (long d : shape.toArray()) t.addDims(d);
      for (double x : v) {
        if (dtype.equals(DType.F32)) t.addFloatData((float) x);
        else t.addInt32Data((int) x);
      }
      return t.build();
    }
  }

  static double saturate(double v, DType t) {
    double lo = t.isInt() ? -Math.pow(2, t.bits() - 1) : 0;
    double hi = t.isInt() ? Math.pow(2, t.bits() - 1) - 1 : Math.pow(2, t.bits()) - 1;
    return Math.min(Math.max(v, lo), hi);
  }

  @Test
  void qlinearConvPerChannelWithBiasPaddingAndStrides() throws IOException {
    Random r = new Random(7);
    int n = 1, c = 3, h = 7, w = 6, o = 4, k = 3, stride = 2, pad = 1;
    T x = T.random(r, DType.U8, 0, 255, n, c, h, w);
    T xs = T.scalar(DType.F32, 0.05);
    T xz = T.scalar(DType.U8, 120);
    T wt = T.random(r, DType.I8, -127, 127, o, c, k, k);
    T ws = T.random(r, DType.F32, 0.002, 0.02, o);
    T wz = T.of(DType.I8, 0, 3, -2, 0);
    T ys = T.scalar(DType.F32, 0.2);
    T yz = T.scalar(DType.U8, 100);
    T b = T.random(r, DType.I32, -3000, 3000, o);
    int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    double[] want = new double[o * oh * ow];
    for (int oc = 0; oc < o; oc++) {
      float mult = (float) xs.v()[0] * (float) ws.v()[oc] / (float) ys.v()[0];
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          long acc = (long) b.v()[oc];
          for (int ic = 0; ic < c; ic++) {
            for (int ky = 0; ky < k; ky++) {
              for (int kx = 0; kx < k; kx++) {
                int iy = i * stride + ky - pad, ix = j * stride + kx - pad;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                acc += (long) (x.v()[(ic * h + iy) * w + ix] - xz.v()[0]) * (long) (wt.v()[((oc * c + ic) * k + ky) * k + kx] - wz.v()[oc]);
              }
            }
          }
          want[(oc * oh + i) * ow + j] = saturate(Math.rint(acc * (double) mult) + yz.v()[0], DType.U8);
        }
      }
    }
    Map<String, T> init = new LinkedHashMap<>();
    init.put("xs", xs);
    init.put("xz", xz);
    init.put("w", wt);
    init.put("ws", ws);
    init.put("wz", wz);
    init.put("ys", ys);
    init.put("yz", yz);
    init.put("b", b);
    NodeProto node = NodeProto.newBuilder().setOpType("QLinearConv").setName("qconv")
        .addAllInput(List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b")).addOutput("y")
        .addAttribute(ints("pads", pad, pad, pad, pad)).addAttribute(ints("strides", stride, stride)).build();
    assertExact(run("x", x, init, node), want);
  }

  @Test
  void matmulIntegerWithPerRowAndPerColumnZeroPoints() throws IOException {
    Random r = new Random(8);
    T a = T.random(r, DType.U8, 0, 255, 4, 5);
    T bm = T.random(r, DType.I8, -128, 127, 5, 3);
    T az = T.of(DType.U8, 10, 0, 255, 128);
    T bz = T.of(DType.I8, -1, 5, 0);
    double[] want = new double[12];
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 3; j++) {
        long s = 0;
        for (int q = 0; q < 5; q++) s += (long) (a.v()[i * 5 + q] - az.v()[i]) * (long) (bm.v()[q * 3 + j] - bz.v()[j]);
        want[i * 3 + j] = s;
      }
    }
    NodeProto node = NodeProto.newBuilder().setOpType("MatMulInteger").setName("mmi").addAllInput(List.of("a", "b", "az", "bz"))
        .addOutput("y").build();
    NDArray out = run("a", a, new LinkedHashMap<>(Map.of("b", bm, "az", az, "bz", bz)), node);
    assertThat(out.dtype()).isEqualTo(DType.I32);
    assertExact(out, want);
  }

  @Test
  void qlinearMatmulOfThreeDimensionalByTwoDimensional() throws IOException {
    Random r = new Random(9);
    T a = T.random(r, DType.I8, -128, 127, 2, 3, 4);
    T bm = T.random(r, DType.I8, -128, 127, 4, 5);
    T as = T.scalar(DType.F32, 0.03);
    T az = T.scalar(DType.I8, -3);
    T bs = T.scalar(DType.F32, 0.011);
    T bz = T.scalar(DType.I8, 2);
    T ys = T.scalar(DType.F32, 0.09);
    T yz = T.scalar(DType.I8, 7);
    float mult = (float) as.v()[0] * (float) bs.v()[0] / (float) ys.v()[0];
    double[] want = new double[2 * 3 * 5];
    for (int row = 0; row < 6; row++) {
      for (int j = 0; j < 5; j++) {
        long s = 0;
        for (int q = 0; q < 4; q++) s += (long) (a.v()[row * 4 + q] - az.v()[0]) * (long) (bm.v()[q * 5 + j] - bz.v()[0]);
        want[row * 5 + j] = saturate(Math.rint(s * (double) mult) + yz.v()[0], DType.I8);
      }
    }
    NodeProto node = NodeProto.newBuilder().setOpType("QLinearMatMul").setName("qmm")
        .addAllInput(List.of("a", "as", "az", "b", "bs", "bz", "ys", "yz")).addOutput("y").build();
    Map<String, T> init = new LinkedHashMap<>(Map.of("as", as, "az", az, "b", bm, "bs", bs, "bz", bz, "ys", ys, "yz", yz));
    NDArray out = run("a", a, init, node);
    assertThat(out.shape()).isEqualTo(Shape.of(2, 3, 5));
    assertExact(out, want);
  }

  @Test
  void unsupportedVariantsNameTheNode() throws IOException {
    T x = T.random(new Random(1), DType.F32, -1, 1, 2, 4);
    NodeProto node = NodeProto.newBuilder().setOpType("QuantizeLinear").setName("blocked").addAllInput(List.of("x", "s")).addOutput("y")
        .addAttribute(AttributeProto.newBuilder().setName("block_size").setType(AttributeProto.AttributeType.INT).setI(2)).build();
    Path file = model("x", x, new LinkedHashMap<>(Map.of("s", T.scalar(DType.F32, 0.1))), node, 21);
    assertThatThrownBy(() -> OnnxImporter.importModel(file, Map.of()).close()).isInstanceOf(CompileException.class)
        .hasMessageContaining("node 'blocked'").hasMessageContaining("block_size");
  }

  private static AttributeProto ints(String name, long... v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) a.addInts(x);
    return a.build();
  }

  private static void assertExact(NDArray out, double[] want) {
    assertThat(out.numElements()).isEqualTo(want.length);
    for (int i = 0; i < want.length; i++) assertThat(out.getDouble(i)).as("element %d", i).isEqualTo(want[i]);
  }

  private Path model(String input, T x, Map<String, T> init, NodeProto node, long opset) throws IOException {
    TensorShapeProto.Builder sp = TensorShapeProto.newBuilder();
    for (long d : x.shape().toArray()) sp.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    GraphProto.Builder g = GraphProto.newBuilder().setName("q").addNode(node).addOutput(ValueInfoProto.newBuilder().setName("y"))
        .addInput(ValueInfoProto.newBuilder().setName(input).setType(TypeProto.newBuilder().setTensorType(
            TypeProto.Tensor.newBuilder().setElemType(OnnxDTypes.code(x.dtype())).setShape(sp))));
    init.forEach((k, v) -> g.addInitializer(v.proto(k)));
    ModelProto m = ModelProto.newBuilder().setIrVersion(8).setProducerName("nnvm4j-test").setProducerVersion("")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(g).setDocString("")
        .setModelVersion(1).setDomain("").build();
    Path p = dir.resolve(node.getName() + ".onnx");
    Files.write(p, m.toByteArray());
    return p;
  }

  /** Output 0 of the model of {@code node} with data input {@code input} = {@code x} and initializers {@code init}. */
  private NDArray run(String input, T x, Map<String, T> init, NodeProto node) throws IOException {
    NDArray in = NDArray.allocate(x.dtype(), x.shape());
    for (int i = 0; i < x.v().length; i++) in.setDouble(i, x.v()[i]);
    return OnnxRuns.run(model(input, x, init, node, 10), Map.of(input, in)).get(0);
  }
}
