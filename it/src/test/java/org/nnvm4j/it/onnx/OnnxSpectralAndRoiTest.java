package org.nnvm4j.it.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
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
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ValueInfoProto;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * Converter paths the conformance data does not reach, checked by identities: DFT of opset 20 (axis
 * and dft_length as inputs) followed by its inverse gives the signal back, zero-padded to the
 * length; RoiAlign with the adaptive sampling_ratio 0 over constant boxes whose grid is 2 x 2
 * everywhere equals sampling_ratio 2. Tolerance 1e-5 + 1e-4 |d|.
 */
class OnnxSpectralAndRoiTest {
  @TempDir Path dir;

  @Test
  void opset20DftThenInverseRestoresThePaddedSignal() throws IOException {
    Random r = new Random(3);
    float[] x = new float[2 * 5 * 3 * 2];
    for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 2 - 1;
    GraphProto.Builder g = GraphProto.newBuilder().setName("dft").addInput(f32("x", 2, 5, 3, 2)).addOutput(ValueInfoProto.newBuilder().setName("y"))
        .addInitializer(i64("len", 8)).addInitializer(i64("axis", 1))
        .addNode(NodeProto.newBuilder().setOpType("DFT").setName("fwd").addAllInput(List.of("x", "len", "axis")).addOutput("f"))
        .addNode(NodeProto.newBuilder().setOpType("DFT").setName("inv").addAllInput(List.of("f", "", "axis")).addOutput("y")
            .addAttribute(AttributeProto.newBuilder().setName("inverse").setType(AttributeProto.AttributeType.INT).setI(1)));
    List<NDArray> out = OnnxRuns.run(write(g, 20, "dft"), Map.of("x", NDArray.of(x, Shape.of(2, 5, 3, 2))));
    assertThat(out.get(0).shape()).isEqualTo(Shape.of(2, 8, 3, 2));
    float[] y = out.get(0).toFloatArray();
    for (int b = 0; b < 2; b++) {
      for (int t = 0; t < 8; t++) {
        for (int k = 0; k < 6; k++) {
          double want = t < 5 ? x[(b * 5 + t) * 6 + k] : 0;
          double got = y[(b * 8 + t) * 6 + k];
          assertThat(Math.abs(got - want)).as("b %d t %d k %d: %f vs %f", b, t, k, got, want).isLessThanOrEqualTo(1e-5 + 1e-4 * Math.abs(want));
        }
      }
    }
    out.forEach(NDArray::close);
  }

  @Test
  void adaptiveRoiAlignEqualsTheFixedGridItAmountsTo() throws IOException {
    // Boxes 3.5..4 wide and high over 2 x 2 bins (half_pixel): ceil(extent / 2) = 2 samples per bin axis.
    float[] boxes = {0.5f, 1f, 4.5f, 5f, 2f, 0.25f, 5.75f, 4f, 1f, 1f, 4.5f, 4.5f};
    Random r = new Random(4);
    float[] data = new float[2 * 3 * 7 * 8];
    for (int i = 0; i < data.length; i++) data[i] = r.nextFloat() * 2 - 1;
    float[][] results = new float[2][];
    for (int ratio = 0; ratio < 2; ratio++) {
      TensorProto.Builder rois = TensorProto.newBuilder().setName("rois").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(3).addDims(4);
      for (float v : boxes) rois.addFloatData(v);
      GraphProto.Builder g = GraphProto.newBuilder().setName("roi").addInput(f32("X", 2, 3, 7, 8)).addOutput(ValueInfoProto.newBuilder().setName("y"))
          .addInitializer(rois).addInitializer(TensorProto.newBuilder().setName("idx").setDataType(TensorProto.DataType.INT64_VALUE).addDims(3)
              .addInt64Data(1).addInt64Data(0).addInt64Data(1))
          .addNode(NodeProto.newBuilder().setOpType("RoiAlign").setName("ra").addAllInput(List.of("X", "rois", "idx")).addOutput("y")
              .addAttribute(intAttr("output_height", 2)).addAttribute(intAttr("output_width", 2)).addAttribute(intAttr("sampling_ratio", ratio * 2))
              .addAttribute(AttributeProto.newBuilder().setName("coordinate_transformation_mode").setType(AttributeProto.AttributeType.STRING)
                  .setS(ByteString.copyFromUtf8("half_pixel"))));
      List<NDArray> out = OnnxRuns.run(write(g, 16, "roi" + ratio), Map.of("X", NDArray.of(data, Shape.of(2, 3, 7, 8))));
      assertThat(out.get(0).shape()).isEqualTo(Shape.of(3, 3, 2, 2));
      results[ratio] = out.get(0).toFloatArray();
      out.forEach(NDArray::close);
    }
    for (int i = 0; i < results[0].length; i++) {
      assertThat(Math.abs(results[0][i] - results[1][i])).as("element %d", i).isLessThanOrEqualTo(1e-5f + 1e-4f * Math.abs(results[1][i]));
    }
  }

  private static AttributeProto intAttr(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
  }

  private static TensorProto i64(String name, long v) {
    return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(v).build();
  }

  private static ValueInfoProto f32(String name, long... dims) { return OnnxRuns.f32(name, dims); }

  private Path write(GraphProto.Builder g, long opset, String name) throws IOException { return OnnxRuns.write(dir, g, opset, name); }
}
