package org.nnvm4j.frontend.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.NodeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.graph.frontend.ImportedModel;

/**
 * How the window and resize converters map ONNX attributes per opset: which graph op and which
 * attributes (padding split, lifting, output_padding from output_shape, output sizes and scales from
 * sizes/scales/axes/keep_aspect_ratio_policy), and what they refuse.
 */
class WindowAndResizeConvertersTest {
  @TempDir Path dir;

  private String ir(GraphProto g, long opset) throws Exception {
    Path f = TestModels.write(dir, "m.onnx", TestModels.model(8, opset, g).toByteArray());
    try (ImportedModel m = OnnxImporter.importModel(f, Map.of())) {
      return m.graph().ir();
    }
  }

  private void assertUnsupported(GraphProto g, long opset, String message) {
    assertThatThrownBy(() -> ir(g, opset)).hasMessageContaining(message);
  }

  private static AttributeProto ints(String name, long... v) {
    AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) b.addInts(x);
    return b.build();
  }

  private static AttributeProto str(String name, String v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(v)).build();
  }

  private static AttributeProto integer(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
  }

  private static TensorProto i64(String name, long... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long x : v) b.putLong(x);
    return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(v.length)
        .setRawData(ByteString.copyFrom(b.array())).build();
  }

  private static GraphProto.Builder graph(long[] in, long[] out, NodeProto node) {
    return GraphProto.newBuilder().addInput(TestModels.f32("x", in)).addOutput(TestModels.f32("y", out)).addNode(node);
  }

  private static NodeProto node(String op, String[] in, AttributeProto... attrs) {
    return TestModels.node(op, "n", in, new String[] {"y"}, attrs);
  }

  @Test
  void resizeScalesGiveFlooredSizesAndKeepTheExactScale() throws Exception {
    GraphProto g = graph(new long[] {1, 1, 4, 5}, new long[] {1, 1, 2, 3},
        node("Resize", new String[] {"x", "", "s"}, str("mode", "linear"), str("coordinate_transformation_mode", "align_corners")))
        .addInitializer(TestModels.rawF32("s", new float[] {1, 1, 0.6f, 0.6f}, 4)).build();
    assertThat(ir(g, 13)).contains("resize(%x, size='(1, 1, 2, 3)', scales='(1.0, 1.0, 0.6000000238418579, 0.6000000238418579)',"
        + " method='linear', coordinate_transformation_mode='align_corners', nearest_mode='round_prefer_floor'");
  }

  @Test
  void resizeSizesOverAxesWithAnAspectRatioPolicy() throws Exception {
    GraphProto g = graph(new long[] {1, 3, 4, 6}, new long[] {1, 3, 6, 9},
        node("Resize", new String[] {"x", "", "", "sz"}, ints("axes", 2, 3), str("keep_aspect_ratio_policy", "not_larger")))
        .addInitializer(i64("sz", 7, 9)).build();
    // min(7/4, 9/6) = 1.5: both axes scale by 1.5
    assertThat(ir(g, 18)).contains("size='(1, 3, 6, 9)', scales='(1.0, 1.0, 1.5, 1.5)', method='nearest'");
  }

  @Test
  void resize10AndUpsampleSampleAsymmetrically() throws Exception {
    GraphProto g = graph(new long[] {1, 1, 2, 2}, new long[] {1, 1, 4, 6}, node("Upsample", new String[] {"x", "s"}))
        .addInitializer(TestModels.rawF32("s", new float[] {1, 1, 2, 3}, 4)).build();
    assertThat(ir(g, 9)).contains("size='(1, 1, 4, 6)'").contains("coordinate_transformation_mode='asymmetric', nearest_mode='simple'");
    GraphProto r = graph(new long[] {1, 1, 2, 2}, new long[] {1, 1, 4, 6}, node("Resize", new String[] {"x", "s"}, str("mode", "linear")))
        .addInitializer(TestModels.rawF32("s", new float[] {1, 1, 2, 3}, 4)).build();
    assertThat(ir(r, 10)).contains("method='linear', coordinate_transformation_mode='asymmetric'");
  }

  @Test
  void upsample7TakesScalesAsAnAttribute() throws Exception {
    AttributeProto scales = AttributeProto.newBuilder().setName("scales").setType(AttributeProto.AttributeType.FLOATS)
        .addFloats(1).addFloats(1).addFloats(2).addFloats(1.5f).build();
    GraphProto g = graph(new long[] {1, 1, 2, 2}, new long[] {1, 1, 4, 3}, node("Upsample", new String[] {"x"}, scales, str("mode", "linear")))
        .build();
    assertThat(ir(g, 7)).contains("resize(%x, size='(1, 1, 4, 3)', scales='(1.0, 1.0, 2.0, 1.5)', method='linear'");
  }

  @Test
  void channelOpsMapToLrnMeanAndReshapes() throws Exception {
    GraphProto lrn = graph(new long[] {1, 5, 2, 2}, new long[] {1, 5, 2, 2}, node("LRN", new String[] {"x"}, integer("size", 3))).build();
    assertThat(ir(lrn, 13)).contains("lrn(%x, size='3', axis='1', alpha='9.999999747378752E-5', beta='0.75', bias='1.0')");
    GraphProto mvn = graph(new long[] {2, 3, 2, 2}, new long[] {2, 3, 2, 2}, node("MeanVarianceNormalization", new String[] {"x"})).build();
    assertThat(ir(mvn, 13)).contains("mean(%x, axis='(0, 2, 3)', keepdims='True'").contains("broadcast_div(");
    GraphProto s2d = graph(new long[] {1, 2, 4, 6}, new long[] {1, 8, 2, 3}, node("SpaceToDepth", new String[] {"x"}, integer("blocksize", 2)))
        .build();
    assertThat(ir(s2d, 13)).contains("reshape(%x, shape='(1, 2, 2, 2, 3, 2)')").contains("transpose(%1, axes='(0, 3, 5, 1, 2, 4)')")
        .contains("shape='(1, 8, 2, 3)'");
    GraphProto bad = graph(new long[] {1, 2, 4, 6}, new long[] {1, 18, 1, 2}, node("SpaceToDepth", new String[] {"x"}, integer("blocksize", 3)))
        .build();
    assertUnsupported(bad, 13, "ONNX SpaceToDepth (opset 13): blocksize 3 does not divide height 4 and width 6");
    GraphProto noSize = graph(new long[] {1, 5, 2, 2}, new long[] {1, 5, 2, 2}, node("LRN", new String[] {"x"})).build();
    assertUnsupported(noSize, 13, "ONNX LRN (opset 13): attribute 'size' is required");
  }

  @Test
  void resizeRefusesWhatItCannotExpress() {
    GraphProto anti = graph(new long[] {1, 1, 4, 4}, new long[] {1, 1, 2, 2},
        node("Resize", new String[] {"x", "", "s"}, integer("antialias", 1)))
        .addInitializer(TestModels.rawF32("s", new float[] {1, 1, 0.5f, 0.5f}, 4)).build();
    assertUnsupported(anti, 18, "node 'n': ONNX Resize (opset 18): antialias=1 needs mode linear or cubic");
    GraphProto both = graph(new long[] {1, 1, 4, 4}, new long[] {1, 1, 2, 2}, node("Resize", new String[] {"x", "", "s", "sz"}))
        .addInitializer(TestModels.rawF32("s", new float[] {1, 1, 0.5f, 0.5f}, 4)).addInitializer(i64("sz", 1, 1, 2, 2)).build();
    assertUnsupported(both, 13, "ONNX Resize (opset 13): exactly one of scales and sizes must be given");
    GraphProto dynamic = GraphProto.newBuilder().addInput(TestModels.f32("x", 1, 1, 4, 4)).addInput(TestModels.f32("s", 4))
        .addOutput(TestModels.f32("y", 1, 1, 2, 2)).addNode(node("Resize", new String[] {"x", "", "s"})).build();
    assertUnsupported(dynamic, 13, "ONNX Resize (opset 13): scales (input 2) must be a constant");
  }

  @Test
  void twoDimensionalConvWithUnequalPadsPadsTheDifferenceFirst() throws Exception {
    // 6 columns, stride 2, kernel 3: 3 outputs need 2*2 + 3 - 6 = 1 padding, which SAME_UPPER puts at the end
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 1, 1, 6, 6)).addOutput(TestModels.f32("y", 1, 2, 3, 3))
        .addInitializer(TestModels.rawF32("w", new float[18], 2, 1, 3, 3))
        .addNode(node("Conv", new String[] {"x", "w"}, ints("strides", 2, 2), str("auto_pad", "SAME_UPPER"))).build();
    assertThat(ir(g, 11)).contains("pad(%x, pad_before='(0, 0, 0, 0)', pad_after='(0, 0, 1, 1)'")
        .contains("conv2d(%1, %w, channels='2', kernel_size='(3, 3)', strides='(2, 2)', padding='(0, 0)'");
  }

  @Test
  void threeDimensionalConvFoldsDepthIntoChannels() throws Exception {
    GraphProto c = GraphProto.newBuilder().addInput(TestModels.f32("x", 1, 2, 4, 5, 6)).addOutput(TestModels.f32("y", 1, 3, 2, 5, 6))
        .addInitializer(TestModels.rawF32("w", new float[3 * 2 * 27], 3, 2, 3, 3, 3))
        .addNode(node("Conv", new String[] {"x", "w"}, ints("pads", 1, 1, 1, 1, 1, 1), ints("strides", 2, 1, 1))).build();
    // depth 4 + 2 padding, stride 2: output depths 0 and 1 read padded planes {0, 1, 2} and {2, 3, 4}
    assertThat(ir(c, 11)).contains("pad(%x, pad_before='(0, 0, 1, 0, 0)', pad_after='(0, 0, 1, 0, 0)'")
        .contains("strided_slice(%1, begin='(0, 0, 0)', end='(1, 2, 3)', stride='(1, 1, 2)')")
        .contains("strided_slice(%1, begin='(0, 0, 2)', end='(1, 2, 5)', stride='(1, 1, 2)')")
        .contains("reshape(%6, shape='(2, 6, 5, 6)')").contains("reshape(%9, shape='(3, 6, 3, 3)')")
        .contains("conv2d(%7, %10, channels='3', kernel_size='(3, 3)', strides='(1, 1)', padding='(1, 1)'")
        .contains("reshape(%11, shape='(1, 2, 3, 5, 6)')");
    GraphProto grouped = GraphProto.newBuilder().addInput(TestModels.f32("x", 1, 2, 4, 5, 6)).addOutput(TestModels.f32("y", 1, 2, 4, 5, 6))
        .addInitializer(TestModels.rawF32("w", new float[2 * 27], 2, 1, 3, 3, 3))
        .addNode(node("Conv", new String[] {"x", "w"}, ints("pads", 1, 1, 1, 1, 1, 1), integer("group", 2))).build();
    assertThat(ir(grouped, 11)).contains("conv3d(%x, %w, channels='2', kernel_size='(3, 3, 3)', strides='(1, 1, 1)',"
        + " padding='(1, 1, 1, 1, 1, 1)'");
  }

  @Test
  void dilatedTwoDimensionalPoolsRunAsThreeDimensional() throws Exception {
    GraphProto p = graph(new long[] {1, 1, 6, 6}, new long[] {1, 1, 4, 4},
        node("MaxPool", new String[] {"x"}, ints("kernel_shape", 2, 2), ints("dilations", 2, 2), ints("pads", 1, 1, 0, 0))).build();
    assertThat(ir(p, 12)).contains("expand_dims(%x, axis='2'").contains("max_pool3d(%1, pool_size='(1, 2, 2)', strides='(1, 1, 1)',"
        + " padding='(0, 1, 1, 0, 0, 0)'").contains("dilation='(1, 2, 2)'").contains("squeeze(");
  }

  @Test
  void maxPoolIndicesAreASecondOp() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 1, 1, 4, 4)).addOutput(TestModels.f32("y", 1, 1, 2, 2))
        .addOutput(TestModels.value("i", TensorProto.DataType.INT64_VALUE, 1, 1, 2, 2))
        .addNode(TestModels.node("MaxPool", "n", new String[] {"x"}, new String[] {"y", "i"}, ints("kernel_shape", 2, 2),
            ints("strides", 2, 2), integer("storage_order", 1))).build();
    assertThat(ir(g, 12)).contains("max_pool2d(%x, pool_size='(2, 2)'").contains("max_pool2d_argmax(%x, pool_size='(2, 2)', strides='(2, 2)',"
        + " padding='(0, 0, 0, 0)', layout='NCHW', dilation='(1, 1)', ceil_mode='False', column_major='True')");
  }

  @Test
  void convTransposeOutputShapeBecomesPaddingAndOutputPadding() throws Exception {
    GraphProto g = GraphProto.newBuilder().addInput(TestModels.f32("x", 1, 1, 3, 3)).addOutput(TestModels.f32("y", 1, 2, 10, 8))
        .addInitializer(TestModels.rawF32("w", new float[18], 1, 2, 3, 3))
        .addNode(node("ConvTranspose", new String[] {"x", "w"}, ints("strides", 3, 2), ints("output_shape", 10, 8))).build();
    // unpadded: 3*2 + 3 = 9 rows (one short of 10: output_padding 1) and 2*2 + 3 = 7 columns (one short of 8)
    assertThat(ir(g, 11)).contains("conv2d_transpose(%x, %w, channels='2', kernel_size='(3, 3)', strides='(3, 2)', padding='(0, 0, 0, 0)',"
        + " dilation='(1, 1)', output_padding='(1, 1)'");
    GraphProto same = GraphProto.newBuilder().addInput(TestModels.f32("x", 1, 1, 3, 3)).addOutput(TestModels.f32("y", 1, 2, 6, 6))
        .addInitializer(TestModels.rawF32("w", new float[18], 1, 2, 3, 3))
        .addNode(node("ConvTranspose", new String[] {"x", "w"}, ints("strides", 2, 2), str("auto_pad", "SAME_UPPER"))).build();
    // total padding 2*2 + 3 - 6 = 1: SAME_UPPER puts it at the end
    assertThat(ir(same, 11)).contains("padding='(0, 0, 1, 1)'");
  }

  @Test
  void windowsRefuseWhatTheyCannotExpress() {
    GraphProto four = GraphProto.newBuilder().addInput(TestModels.f32("x", 1, 1, 2, 2, 2, 2)).addOutput(TestModels.f32("y", 1, 1, 1, 1, 1, 1))
        .addNode(node("MaxPool", new String[] {"x"}, ints("kernel_shape", 2, 2, 2, 2))).build();
    assertUnsupported(four, 12, "node 'n': ONNX MaxPool (opset 12): only 1-D, 2-D and 3-D windows over known [N, C, spatial...] data");
    GraphProto k = GraphProto.newBuilder().addInput(TestModels.f32("x", 1, 1, 5, 5)).addOutput(TestModels.f32("y", 1, 2, 3, 3))
        .addInitializer(TestModels.rawF32("w", new float[18], 2, 1, 3, 3))
        .addNode(node("Conv", new String[] {"x", "w"}, ints("kernel_shape", 2, 2))).build();
    assertUnsupported(k, 11, "ONNX Conv (opset 11): kernel_shape [2, 2] does not match the weight's [3, 3]");
  }
}
