package org.nnvm4j.cli;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nnvm4j.frontend.onnx.proto.Onnx.AttributeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.GraphProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ModelProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.NodeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.OperatorSetIdProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorShapeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.TypeProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.ValueInfoProto;

/**
 * Benchmark models written as ONNX files with random float32 weights (fixed seed, so every run writes
 * the same bytes), using only ops the ONNX importer supports: an MLP, small ResNet-style and
 * MobileNet-style CNNs (64x64), a 4-head transformer encoder block, and the full-size
 * ResNet-18 and MobileNet v1 (224x224, ImageNet's 1000 classes). Opset 13, IR 8.
 */
final class ModelZoo {
  /** The model names {@link #write} knows, in order. */
  static final List<String> NAMES = List.of("mlp", "resnet", "mobilenet", "transformer", "resnet18", "mobilenet_v1");
  private static final int FLOAT = 1;
  private static final int INT64 = 7;

  private ModelZoo() {}

  /** Writes {@code NAME.onnx} for each of {@link #NAMES} into {@code dir} and returns the files. */
  static List<Path> writeAll(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<Path> out = new ArrayList<>();
    for (String name : NAMES) {
      Path f = dir.resolve(name + ".onnx");
      Files.write(f, model(name).toByteArray());
      out.add(f);
    }
    return out;
  }

  static ModelProto model(String name) {
    Builder b = new Builder(name);
    switch (name) {
      case "mlp" -> mlp(b);
      case "resnet" -> resnet(b);
      case "mobilenet" -> mobilenet(b);
      case "transformer" -> transformer(b);
      case "resnet18" -> resnet18(b);
      case "mobilenet_v1" -> mobilenetV1(b);
      default -> throw new IllegalArgumentException("unknown model '" + name + "'; known: " + NAMES);
    }
    return b.build();
  }

  /** 784-512-256-10: Gemm + Relu twice, Gemm, Softmax; input x [1, 784]. */
  private static void mlp(Builder b) {
    String h = b.input("x", 1, 784);
    h = b.relu(b.dense(h, 784, 512));
    h = b.relu(b.dense(h, 512, 256));
    b.output(b.node("Softmax", List.of(b.dense(h, 256, 10)), Map.of("axis", 1L)), 1, 10);
  }

  /** Conv-bn-relu stem (16 ch), a residual block at 16 ch, a strided residual block to 32 ch with a 1x1 projection, global average pool, Gemm; input x [1, 3, 64, 64]. */
  private static void resnet(Builder b) {
    String h = b.input("x", 1, 3, 64, 64);
    h = b.relu(b.convBn(h, 3, 16, 3, 1, 1));
    String r = b.convBn(b.relu(b.convBn(h, 16, 16, 3, 1, 1)), 16, 16, 3, 1, 1);
    h = b.relu(b.add(h, r));
    String shortcut = b.convBn(h, 16, 32, 1, 2, 1);
    r = b.convBn(b.relu(b.convBn(h, 16, 32, 3, 2, 1)), 32, 32, 3, 1, 1);
    h = b.relu(b.add(shortcut, r));
    h = b.node("Flatten", List.of(b.node("GlobalAveragePool", List.of(h), Map.of())), Map.of("axis", 1L));
    b.output(b.dense(h, 32, 10), 1, 10);
  }

  /** Strided conv stem, two depthwise-separable blocks (3x3 depthwise with group = channels, 1x1 pointwise, each bn-relu), global average pool, Gemm; input x [1, 3, 64, 64]. */
  private static void mobilenet(Builder b) {
    String h = b.input("x", 1, 3, 64, 64);
    h = b.relu(b.convBn(h, 3, 16, 3, 2, 1));
    h = b.relu(b.convBn(b.relu(b.convBn(h, 16, 16, 3, 1, 16)), 16, 32, 1, 1, 1));
    h = b.relu(b.convBn(b.relu(b.convBn(h, 32, 32, 3, 2, 32)), 32, 64, 1, 1, 1));
    h = b.node("Flatten", List.of(b.node("GlobalAveragePool", List.of(h), Map.of())), Map.of("axis", 1L));
    b.output(b.dense(h, 64, 10), 1, 10);
  }

  /**
   * ResNet-18 (He et al. 2016) at 224x224: 7x7/2 conv-bn-relu stem to 64 channels, 3x3/2 max pool, four
   * stages of two basic blocks (64, 128, 256, 512 channels; stages 2-4 enter with a stride-2 block whose
   * shortcut is a 1x1/2 conv-bn), global average pool, Gemm 512-1000; input x [1, 3, 224, 224].
   */
  private static void resnet18(Builder b) {
    String h = b.input("x", 1, 3, 224, 224);
    h = b.relu(b.convBn(h, 3, 64, 7, 2, 1));
    h = b.node("MaxPool", List.of(h), Map.of("kernel_shape", new long[] {3, 3}, "strides", new long[] {2, 2}, "pads", new long[] {1, 1, 1, 1}));
    int in = 64;
    for (int out : new int[] {64, 128, 256, 512}) {
      for (int block = 0; block < 2; block++) {
        int stride = block == 0 && out != 64 ? 2 : 1;
        String shortcut = stride == 1 ? h : b.convBn(h, in, out, 1, stride, 1);
        String r = b.convBn(b.relu(b.convBn(h, in, out, 3, stride, 1)), out, out, 3, 1, 1);
        h = b.relu(b.add(shortcut, r));
        in = out;
      }
    }
    h = b.node("Flatten", List.of(b.node("GlobalAveragePool", List.of(h), Map.of())), Map.of("axis", 1L));
    b.output(b.dense(h, 512, 1000), 1, 1000);
  }

  /**
   * MobileNet v1 (Howard et al. 2017, width 1.0) at 224x224: 3x3/2 conv-bn-relu stem to 32 channels, 13
   * depthwise-separable blocks (3x3 depthwise conv-bn-relu, 1x1 pointwise conv-bn-relu) up to 1024
   * channels, global average pool, Gemm 1024-1000; input x [1, 3, 224, 224].
   */
  private static void mobilenetV1(Builder b) {
    String h = b.input("x", 1, 3, 224, 224);
    h = b.relu(b.convBn(h, 3, 32, 3, 2, 1));
    int[][] blocks = {{64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2}, {512, 1}, {512, 1}, {512, 1}, {512, 1}, {512, 1},
        {1024, 2}, {1024, 1}};
    int in = 32;
    for (int[] blk : blocks) {
      h = b.relu(b.convBn(b.relu(b.convBn(h, in, in, 3, blk[1], in)), in, blk[0], 1, 1, 1));
      in = blk[0];
    }
    h = b.node("Flatten", List.of(b.node("GlobalAveragePool", List.of(h), Map.of())), Map.of("axis", 1L));
    b.output(b.dense(h, 1024, 1000), 1, 1000);
  }

  /**
   * Post-norm encoder block over a [64, 128] sequence: 4-head self-attention (Q, K, V projections
   * reshaped to [64, 4, 32] and transposed to heads first, batched MatMul for the scores and the
   * context, scaled Softmax), residual + LayerNorm written as ReduceMean/Sub/Mul/Sqrt/Div, a 128-512-128
   * Relu feed-forward, residual + LayerNorm.
   */
  private static void transformer(Builder b) {
    int s = 64;
    int d = 128;
    int heads = 4;
    int dh = d / heads;
    String x = b.input("x", s, d);
    String q = b.heads(b.matmul(x, d, d), s, heads, dh, new long[] {1, 0, 2});
    String kt = b.heads(b.matmul(x, d, d), s, heads, dh, new long[] {1, 2, 0});
    String v = b.heads(b.matmul(x, d, d), s, heads, dh, new long[] {1, 0, 2});
    String scores = b.node("Mul", List.of(b.node("MatMul", List.of(q, kt), Map.of()), b.constant(new float[] {(float) (1 / Math.sqrt(dh))})),
        Map.of());
    String p = b.node("Softmax", List.of(scores), Map.of("axis", -1L));
    String context = b.node("Transpose", List.of(b.node("MatMul", List.of(p, v), Map.of())), Map.of("perm", new long[] {1, 0, 2}));
    context = b.node("Reshape", List.of(context, b.shape(s, d)), Map.of());
    String attn = b.matmul(context, d, d);
    String h = b.layerNorm(b.add(x, attn), d);
    String ff = b.dense(b.relu(b.dense(h, d, 4 * d)), 4 * d, d);
    b.output(b.layerNorm(b.add(h, ff), d), s, d);
  }

  /** Accumulates nodes and initializers; names are {@code t0, t1, ...}. */
  private static final class Builder {
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final SplittableRandom random;
    private int next;

    Builder(String name) {
      this.random = new SplittableRandom(42 + name.hashCode());
      graph.setName(name);
    }

    String input(String id, long... dims) {
      graph.addInput(valueInfo(id, dims));
      return id;
    }

    void output(String id, long... dims) { graph.addOutput(valueInfo(id, dims)); }

    String node(String op, List<String> inputs, Map<String, Object> attrs) {
      String out = "t" + next++;
      NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + out).addAllInput(inputs).addOutput(out);
      attrs.forEach((k, v) -> n.addAttribute(attribute(k, v)));
      graph.addNode(n);
      return out;
    }

    /** A float32 initializer of uniform values in [-scale, scale). */
    String weight(float scale, long... dims) {
      long count = 1;
      for (long dim : dims) count *= dim;
      float[] v = new float[Math.toIntExact(count)];
      for (int i = 0; i < v.length; i++) v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
      return initializer(v, dims);
    }

    String constant(float[] v) { return initializer(v, v.length); }

    /** An int64 initializer holding a shape, for Reshape. */
    String shape(long... dims) {
      String id = "w" + next++;
      graph.addInitializer(TensorProto.newBuilder().setName(id).setDataType(INT64).addDims(dims.length).addAllInt64Data(boxed(dims)));
      return id;
    }

    /** [seq, heads * dh] split into heads: reshaped to [seq, heads, dh], then transposed by {@code perm}. */
    String heads(String x, int seq, int heads, int dh, long[] perm) {
      String r = node("Reshape", List.of(x, shape(seq, heads, dh)), Map.of());
      return node("Transpose", List.of(r), Map.of("perm", perm));
    }

    private String initializer(float[] v, long... dims) {
      String id = "w" + next++;
      ByteBuffer bytes = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
      for (float f : v) bytes.putFloat(f);
      graph.addInitializer(TensorProto.newBuilder().setName(id).setDataType(FLOAT).addAllDims(boxed(dims))
          .setRawData(ByteString.copyFrom(bytes.array())));
      return id;
    }

    /** Gemm with weight [out, in] (transB = 1) and bias; weights scaled by 1/sqrt(in) so activations stay near unit size. */
    String dense(String x, int in, int out) {
      return node("Gemm", List.of(x, weight((float) (1 / Math.sqrt(in)), out, in), weight(0.1f, out)), Map.of("transB", 1L));
    }

    /** MatMul by a random [in, out] matrix. */
    String matmul(String x, int in, int out) { return node("MatMul", List.of(x, weight((float) (1 / Math.sqrt(in)), in, out)), Map.of()); }

    String relu(String x) { return node("Relu", List.of(x), Map.of()); }

    String add(String a, String b) { return node("Add", List.of(a, b), Map.of()); }

    /** Conv (no bias) then inference BatchNormalization with random statistics. */
    String convBn(String x, int in, int out, int kernel, int stride, int group) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("kernel_shape", new long[] {kernel, kernel});
      a.put("strides", new long[] {stride, stride});
      a.put("pads", new long[] {kernel / 2, kernel / 2, kernel / 2, kernel / 2});
      a.put("group", (long) group);
      float scale = (float) (1 / Math.sqrt((double) in / group * kernel * kernel));
      String y = node("Conv", List.of(x, weight(scale, out, in / group, kernel, kernel)), a);
      String gamma = initializer(uniform(out, 0.5f, 1.5f), out);
      String beta = weight(0.1f, out);
      String mean = weight(0.1f, out);
      String var = initializer(uniform(out, 0.5f, 1.5f), out);
      return node("BatchNormalization", List.of(y, gamma, beta, mean, var), Map.of("epsilon", 1e-5f));
    }

    /** LayerNorm over the last axis of a 2-D tensor, composed from ops the importer has. */
    String layerNorm(String x, int d) {
      Map<String, Object> lastAxis = Map.of("axes", new long[] {-1}, "keepdims", 1L);
      String centered = node("Sub", List.of(x, node("ReduceMean", List.of(x), lastAxis)), Map.of());
      String var = node("ReduceMean", List.of(node("Mul", List.of(centered, centered), Map.of())), lastAxis);
      String std = node("Sqrt", List.of(add(var, constant(new float[] {1e-5f}))), Map.of());
      String normed = node("Div", List.of(centered, std), Map.of());
      return add(node("Mul", List.of(normed, initializer(uniform(d, 0.5f, 1.5f), d)), Map.of()), weight(0.1f, d));
    }

    private float[] uniform(int n, float lo, float hi) {
      float[] v = new float[n];
      for (int i = 0; i < n; i++) v[i] = (float) (lo + random.nextDouble() * (hi - lo));
      return v;
    }

    ModelProto build() {
      return ModelProto.newBuilder().setIrVersion(8).setProducerName("nnvm4j-modelzoo").setGraph(graph)
          .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build();
    }

    private static ValueInfoProto valueInfo(String id, long... dims) {
      TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
      for (long d : dims) shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
      return ValueInfoProto.newBuilder().setName(id)
          .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(shape))).build();
    }

    private static AttributeProto attribute(String k, Object v) {
      AttributeProto.Builder a = AttributeProto.newBuilder().setName(k);
      switch (v) {
        case Long l -> a.setType(AttributeProto.AttributeType.INT).setI(l);
        case Float f -> a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
        case long[] ls -> a.setType(AttributeProto.AttributeType.INTS).addAllInts(boxed(ls));
        default -> throw new IllegalArgumentException("attribute type " + v.getClass());
      }
      return a.build();
    }

    private static List<Long> boxed(long[] v) { return java.util.Arrays.stream(v).boxed().toList(); }
  }
}
