package org.nnvm4j.graph.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Node;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.graph.pass.InferShape;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.topi.Topi;

/** Shape inference of get_valid_counts and non_max_suppression, and the errors for bad shapes and attributes. */
class VisionDetectOpsTest {
  static Shape[] shapes(Symbol s, Map<String, Shape> in) {
    Graph g = InferShape.apply(Graph.create(s), in);
    return g.attr(Graph.SHAPE, Shape[].class);
  }

  @Test
  void infersFixedSizeOutputs() {
    Symbol x = Symbol.variable("x");
    Symbol gvc = Symbol.create("get_valid_counts", "gvc", Map.of("score_threshold", "0.1"), x);
    Symbol nms = Symbol.create("non_max_suppression", "nms", Map.of("top_k", "3"), gvc.get(1), gvc.get(0));
    Shape[] s = shapes(nms, Map.of("x", Shape.of(2, 7, 6)));
    assertThat(s).contains(Shape.of(2), Shape.of(2, 7, 6));
    assertThat(s[s.length - 1]).isEqualTo(Shape.of(2, 7, 6));
  }

  @Test
  void badShapesAndAttributesNameTheNodeOpAndAttribute() {
    Symbol x = Symbol.variable("x");
    Symbol v = Symbol.variable("v");
    assertThatThrownBy(() -> shapes(Symbol.create("get_valid_counts", "g1", Map.of(), x), Map.of("x", Shape.of(2, 7))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'g1'")
        .hasMessageContaining("get_valid_counts: data has shape [2, 7]; expected [batch, num_anchors, K >= 2]");
    assertThatThrownBy(() -> shapes(Symbol.create("get_valid_counts", "g2", Map.of("score_index", "6"), x), Map.of("x", Shape.of(2, 7, 6))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'g2'")
        .hasMessageContaining("attribute score_index 6 is outside rows of 6 elements");
    assertThatThrownBy(() -> shapes(Symbol.create("non_max_suppression", "n1", Map.of("coord_start", "3"), x, v),
        Map.of("x", Shape.of(1, 4, 6), "v", Shape.of(1))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'n1'")
        .hasMessageContaining("non_max_suppression: attribute coord_start 3 needs 4 coordinates within rows of 6 elements");
    assertThatThrownBy(() -> shapes(Symbol.create("non_max_suppression", "n2", Map.of("top_k", "-2"), x, v),
        Map.of("x", Shape.of(1, 4, 6), "v", Shape.of(1))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'n2'").hasMessageContaining("attribute top_k -2 must be -1 or at least 0");
    assertThatThrownBy(() -> shapes(Symbol.create("non_max_suppression", "n3", Map.of(), x, v),
        Map.of("x", Shape.of(2, 4, 6), "v", Shape.of(3))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'n3'").hasMessageContaining("valid_count");
    assertThatThrownBy(() -> Symbol.create("non_max_suppression", "n4", Map.of("return_indices", "True"), x, v))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'return_indices' = 'True'");
    assertThatThrownBy(() -> Symbol.create("non_max_suppression", "n5", Map.of("iou_threshold", "high"), x, v))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'iou_threshold'");
  }

  @Test
  void anchorsReorgAndRoiPoolShapesAndErrors() {
    Symbol x = Symbol.variable("x");
    Symbol rois = Symbol.variable("rois");
    Shape[] s = shapes(Symbol.create("multibox_prior", "mp", Map.of("sizes", "(0.2, 0.4)", "ratios", "(1, 2, 0.5)"), x),
        Map.of("x", Shape.of(1, 8, 5, 7)));
    assertThat(s[s.length - 1]).isEqualTo(Shape.of(1, 5 * 7 * 4, 4));
    s = shapes(Symbol.create("yolo_reorg", "yr", Map.of("stride", "2"), x), Map.of("x", Shape.of(2, 3, 6, 4)));
    assertThat(s[s.length - 1]).isEqualTo(Shape.of(2, 12, 3, 2));
    s = shapes(Symbol.create("roi_pool", "rp", Map.of("pooled_size", "(3, 2)"), x, rois), Map.of("x", Shape.of(2, 3, 6, 4), "rois", Shape.of(5, 5)));
    assertThat(s[s.length - 1]).isEqualTo(Shape.of(5, 3, 3, 2));
    assertThatThrownBy(() -> shapes(Symbol.create("yolo_reorg", "yr2", Map.of("stride", "4"), x), Map.of("x", Shape.of(2, 3, 6, 4))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'yr2'")
        .hasMessageContaining("yolo_reorg: attribute stride 4 does not divide the height and width of [2, 3, 6, 4]");
    assertThatThrownBy(() -> shapes(Symbol.create("roi_pool", "rp2", Map.of("pooled_size", "2"), x, rois),
        Map.of("x", Shape.of(2, 3, 6, 4), "rois", Shape.of(5, 4))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'rp2'").hasMessageContaining("expected [N, C, H, W] and [R, 5]");
    assertThatThrownBy(() -> shapes(Symbol.create("multibox_prior", "mp2", Map.of(), x), Map.of("x", Shape.of(8, 5, 7))))
        .isInstanceOf(CompileException.class).hasMessageContaining("node 'mp2'").hasMessageContaining("expected [N, C, H, W]");
    assertThatThrownBy(() -> Symbol.create("multibox_prior", "mp3", Map.of("sizes", "(0.2, -1)"), x))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'sizes'").hasMessageContaining("positive sizes");
    assertThatThrownBy(() -> Symbol.create("multibox_prior", "mp4", Map.of("steps", "(0.1, 0.2, 0.3)"), x))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'steps'").hasMessageContaining("expected 2 numbers");
    assertThatThrownBy(() -> Symbol.create("roi_pool", "rp3", Map.of("pooled_size", "2", "spatial_scale", "0"), x, rois))
        .isInstanceOf(CompileException.class).hasMessageContaining("attribute 'spatial_scale'");
    assertThatThrownBy(() -> Symbol.create("roi_pool", "rp4", Map.of(), x, rois))
        .isInstanceOf(CompileException.class).hasMessageContaining("pooled_size");
  }

  /**
   * The GPU form from {@link VisionDetectOps#gpuCompute} reads the node's attributes as the generic compute does: on
   * the same boxes (2 x 45, 8 scores, ties) the interpreter gives the same outputs for both, with 16 work-items
   * (3 rows each) for every attribute combination here; its loops are bound to GPU threads; other ops get none.
   */
  @Test
  void gpuComputeGivesTheGenericComputesBoxes() {
    Random r = new Random(3);
    float[] d = new float[2 * 45 * 6];
    for (int i = 0; i < 90; i++) {
      float x = r.nextInt(6), y = r.nextInt(6);
      float[] row = {r.nextInt(3) - (r.nextInt(7) == 0 ? 1 : 0), r.nextInt(8) / 8f - 0.125f, x, y, x + 1 + r.nextInt(4), y + 1 + r.nextInt(4)};
      System.arraycopy(row, 0, d, i * 6, 6);
    }
    Tensor x = Te.placeholder(Te.shape(2, 45, 6), DType.F32, "x");
    Tensor v = Te.placeholder(Te.shape(2), DType.I32, "v");
    Node g = node("get_valid_counts", Map.of("score_threshold", "0.2", "id_index", "-1"));
    List<NDArray> valid;
    try (NDArray in = NDArray.of(d, Shape.of(2, 45, 6))) {
      valid = sameOutputs(g, List.of(x), List.of(in));
    }
    String[][] modes = {{"0.5", "False", "-1", "-1", "False"}, {"0.3", "True", "7", "-1", "True"}, {"0.4", "False", "-1", "4", "True"},
        {"0.6", "False", "20", "0", "False"}};
    try (NDArray counts = valid.get(0); NDArray boxes = valid.get(1)) {
      assertThat(counts.getLong(0) + counts.getLong(1)).isBetween(1L, 89L);
      for (String[] m : modes) {
        Node n = node("non_max_suppression", Map.of("iou_threshold", m[0], "force_suppress", m[1], "top_k", m[2],
            "max_output_size", m[3], "invalid_to_bottom", m[4]));
        sameOutputs(n, List.of(x, v), List.of(boxes, counts)).forEach(NDArray::close);
      }
    }
    assertThat(VisionDetectOps.gpuCompute("multibox_prior", Map.of(), List.of(x), 16)).isEmpty();
    assertThatThrownBy(() -> VisionDetectOps.gpuCompute("non_max_suppression", node("non_max_suppression", Map.of()).attrs(), List.of(x, v), 0))
        .isInstanceOf(CompileException.class).hasMessageContaining("non_max_suppression: 0 threads per block; expected at least 1");
  }

  /** A node of {@code op} with attributes {@code given} and the defaults, as the graph compiler sees it. */
  private static Node node(String op, Map<String, String> given) {
    Symbol[] in = op.equals("get_valid_counts") ? new Symbol[] {Symbol.variable("x")} : new Symbol[] {Symbol.variable("x"), Symbol.variable("v")};
    return Graph.create(Symbol.create(op, given, in)).nodes().getLast();
  }

  /**
   * Runs node {@code n}'s generic compute and its GPU form (16 work-items) over {@code arrays} in the interpreter,
   * checks that every output agrees and that the GPU form binds its loops to threads; returns the GPU form's outputs.
   */
  private static List<NDArray> sameOutputs(Node n, List<Tensor> args, List<NDArray> arrays) {
    List<Tensor> gpu = VisionDetectOps.gpuCompute(n.op().name(), n.attrs(), args, 16).orElseThrow();
    List<Tensor> generic = n.op().compute().compute(n.attrs(), args);
    PrimFunc f = Lower.lower(Schedule.create(gpu.get(0).op()), concat(args, gpu), "gpu");
    assertThat(f.body().toString()).contains("threadIdx.x").contains("blockIdx.x");
    List<NDArray> want = run(Lower.lower(Schedule.create(generic.get(0).op()), concat(args, generic), "generic"), arrays, generic);
    List<NDArray> got = run(f, arrays, gpu);
    for (int i = 0; i < want.size(); i++) {
      String what = String.format("%s %s output %d", n.op().name(), n.attrs(), i);
      if (want.get(i).dtype().equals(DType.I32)) assertThat(got.get(i).toIntArray()).as(what).containsExactly(want.get(i).toIntArray());
      else assertThat(got.get(i).toFloatArray()).as(what).containsExactly(want.get(i).toFloatArray());
    }
    want.forEach(NDArray::close);
    return got;
  }

  private static List<NDArray> run(PrimFunc f, List<NDArray> arrays, List<Tensor> outs) {
    List<NDArray> all = new ArrayList<>(arrays);
    List<NDArray> res = new ArrayList<>();
    for (Tensor o : outs) res.add(NDArray.allocate(o.dtype(), Shape.of(Topi.constShape(o, "test"))));
    all.addAll(res);
    Interpreter.run(f, all);
    return res;
  }

  private static List<Tensor> concat(List<Tensor> a, List<Tensor> b) {
    List<Tensor> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
