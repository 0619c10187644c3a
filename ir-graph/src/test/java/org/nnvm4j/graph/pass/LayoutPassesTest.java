package org.nnvm4j.graph.pass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.LayoutRule;
import org.nnvm4j.graph.Op;
import org.nnvm4j.graph.OpPattern;
import org.nnvm4j.graph.OpRegistry;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.Shape;

/**
 * AlterOpLayout and CorrectLayout shown before and after on {@code graph.ir()} text, with a proposer
 * that blocks channels by 4 as a backend would (conv2d to conv2d_NCHWc with NCHW4c data, an OIHW4i4o
 * weight, NCHW4c output).
 */
class LayoutPassesTest {
  private static Symbol v(String name) { return Symbol.variable(name); }

  /** conv2d (4 ch) -> NCHW4c conv2d_NCHWc, the data and weight transformed, the output back to NCHW. */
  static final AlterOpLayout.Proposer BLOCK4 = (op, attrs, shapes, types) -> {
    if (!op.equals("conv2d")) return Optional.empty();
    Map<String, String> a = new LinkedHashMap<>(attrs);
    a.keySet().removeAll(Set.of("groups", "layout", "kernel_layout"));
    a.putAll(Map.of("layout", "NCHW4c", "kernel_layout", "OIHW4i4o", "out_layout", "NCHW4c"));
    List<AlterOpLayout.Change> in = new ArrayList<>(List.of(new AlterOpLayout.Change("NCHW", "NCHW4c"),
        new AlterOpLayout.Change("OIHW", "OIHW4i4o")));
    in.add(null);
    return Optional.of(new AlterOpLayout.Proposal("conv2d_NCHWc", a, in, new AlterOpLayout.Change("NCHW", "NCHW4c")));
  };

  /** relu(x + bn(conv(relu(bn(conv(x)))))), a bias of [1, 1, W] added, then global_avg_pool2d and flatten; x [1, 4, 5, 5]. */
  static Graph residual() {
    Symbol x = v("x");
    Symbol c1 = Symbol.create("conv2d", "c1", Map.of("channels", "4", "kernel_size", "3", "padding", "1"), x, v("w1"), v("b1"));
    Symbol r1 = Symbol.create("relu", "r1", Map.of(), Symbol.create("broadcast_mul", "s1", Map.of(), c1, v("scale")));
    Symbol c2 = Symbol.create("conv2d", "c2", Map.of("channels", "4", "kernel_size", "3", "padding", "1"), r1, v("w2"), v("b2"));
    Symbol add = Symbol.create("elemwise_add", "add", Map.of(), x, Symbol.create("broadcast_add", "shift", Map.of(), c2, v("row")));
    Symbol r2 = Symbol.create("relu", "r2", Map.of(), add);
    return Graph.create(Symbol.create("flatten", "flat", Map.of(), Symbol.create("global_avg_pool2d", "pool", Map.of(), r2)));
  }

  static Graph inferred(Graph g) {
    return InferType.apply(InferShape.apply(g, Map.of("x", Shape.of(1, 4, 5, 5), "scale", Shape.of(4, 1, 1), "row", Shape.of(1, 1, 5))),
        InferType.Config.DEFAULT);
  }

  @Test
  void alterOpLayoutWrapsEachAlteredOpInLayoutTransforms() {
    Graph after = AlterOpLayout.apply(inferred(residual()), BLOCK4);
    assertThat(after.ir(List.of(Graph.SHAPE))).isEqualTo("""
        Graph(%x: shape=[1, 4, 5, 5], %w1: shape=[4, 4, 3, 3], %b1: shape=[4], %scale: shape=[4, 1, 1], %w2: shape=[4, 4, 3, 3], %b2: shape=[4], %row: shape=[1, 1, 5]) {
          %1 = layout_transform(%x, src_layout='NCHW', dst_layout='NCHW4c'), shape=[1, 1, 5, 5, 4]
          %3 = layout_transform(%w1, src_layout='OIHW', dst_layout='OIHW4i4o'), shape=[1, 1, 3, 3, 4, 4]
          %5 = conv2d_NCHWc(%1, %3, %b1, channels='4', kernel_size='3', strides='(1, 1)', padding='1', dilation='(1, 1)', layout='NCHW4c', kernel_layout='OIHW4i4o', out_layout='NCHW4c', use_bias='True'), shape=[1, 1, 5, 5, 4]
          %6 = layout_transform(%5, src_layout='NCHW4c', dst_layout='NCHW'), shape=[1, 4, 5, 5]
          %8 = broadcast_mul(%6, %scale), shape=[1, 4, 5, 5]
          %9 = relu(%8), shape=[1, 4, 5, 5]
          %10 = layout_transform(%9, src_layout='NCHW', dst_layout='NCHW4c'), shape=[1, 1, 5, 5, 4]
          %12 = layout_transform(%w2, src_layout='OIHW', dst_layout='OIHW4i4o'), shape=[1, 1, 3, 3, 4, 4]
          %14 = conv2d_NCHWc(%10, %12, %b2, channels='4', kernel_size='3', strides='(1, 1)', padding='1', dilation='(1, 1)', layout='NCHW4c', kernel_layout='OIHW4i4o', out_layout='NCHW4c', use_bias='True'), shape=[1, 1, 5, 5, 4]
          %15 = layout_transform(%14, src_layout='NCHW4c', dst_layout='NCHW'), shape=[1, 4, 5, 5]
          %17 = broadcast_add(%15, %row), shape=[1, 4, 5, 5]
          %18 = elemwise_add(%x, %17), shape=[1, 4, 5, 5]
          %19 = relu(%18), shape=[1, 4, 5, 5]
          %20 = global_avg_pool2d(%19, layout='NCHW'), shape=[1, 4, 1, 1]
          %21 = flatten(%20), shape=[1, 4]
          ret %21
        }""");
    Graph g = inferred(residual());
    assertThat(AlterOpLayout.apply(g, AlterOpLayout.Config.DEFAULT.proposer())).as("no proposal, no change").isSameAs(g);
    assertThat(CorrectLayout.apply(g)).as("no layout_transform, no change").isSameAs(g);
  }

  @Test
  void correctLayoutKeepsTheBlockedLayoutBetweenConvsAndTransformsOnlyAtTheBoundaries() {
    Graph after = CorrectLayout.apply(AlterOpLayout.apply(inferred(residual()), BLOCK4));
    // x is transformed once (for c1 and the residual add); the per-channel scale is blocked like the data, the row
    // without a channel axis gets a trailing axis of 1; the pool runs blocked, only flatten gets a transform back
    assertThat(after.ir(List.of(Graph.SHAPE))).isEqualTo("""
        Graph(%x: shape=[1, 4, 5, 5], %w1: shape=[4, 4, 3, 3], %b1: shape=[4], %scale: shape=[4, 1, 1], %w2: shape=[4, 4, 3, 3], %b2: shape=[4], %row: shape=[1, 1, 5]) {
          %1 = layout_transform(%x, src_layout='NCHW', dst_layout='NCHW4c'), shape=[1, 1, 5, 5, 4]
          %3 = layout_transform(%w1, src_layout='OIHW', dst_layout='OIHW4i4o'), shape=[1, 1, 3, 3, 4, 4]
          %5 = conv2d_NCHWc(%1, %3, %b1, channels='4', kernel_size='3', strides='(1, 1)', padding='1', dilation='(1, 1)', layout='NCHW4c', kernel_layout='OIHW4i4o', out_layout='NCHW4c', use_bias='True'), shape=[1, 1, 5, 5, 4]
          %7 = layout_transform(%scale, src_layout='CHW', dst_layout='CHW4c'), shape=[1, 1, 1, 4]
          %8 = broadcast_mul(%5, %7), shape=[1, 1, 5, 5, 4]
          %9 = relu(%8), shape=[1, 1, 5, 5, 4]
          %11 = layout_transform(%w2, src_layout='OIHW', dst_layout='OIHW4i4o'), shape=[1, 1, 3, 3, 4, 4]
          %13 = conv2d_NCHWc(%9, %11, %b2, channels='4', kernel_size='3', strides='(1, 1)', padding='1', dilation='(1, 1)', layout='NCHW4c', kernel_layout='OIHW4i4o', out_layout='NCHW4c', use_bias='True'), shape=[1, 1, 5, 5, 4]
          %15 = expand_dims(%row, axis='3', num_newaxis='1'), shape=[1, 1, 5, 1]
          %16 = broadcast_add(%13, %15), shape=[1, 1, 5, 5, 4]
          %17 = elemwise_add(%1, %16), shape=[1, 1, 5, 5, 4]
          %18 = relu(%17), shape=[1, 1, 5, 5, 4]
          %19 = global_avg_pool2d(%18, layout='NCHW4c'), shape=[1, 1, 1, 1, 4]
          %20 = layout_transform(%19, src_layout='NCHW4c', dst_layout='NCHW'), shape=[1, 4, 1, 1]
          %21 = flatten(%20), shape=[1, 4]
          ret %21
        }""");
    Set<String> params = Set.of("w1", "b1", "scale", "w2", "b2", "row");
    Graph pruned = PrecomputePrune.apply(after, params);
    assertThat(pruned.attr(PrecomputePrune.PRECOMPUTE, PrecomputePrune.Precompute.class).names()).as("weight packing moves to build time")
        .containsExactly("w1_OIHW4i4o_output0", "scale_CHW4c_output0", "w2_OIHW4i4o_output0", "row_expand_output0");
    assertThat(pruned.nodes().stream().filter(n -> !n.isVariable() && n.op().name().equals("layout_transform")).map(n -> n.name()))
        .containsExactly("x_NCHW4c", "pool_NCHW");
  }

  @Test
  void aProposalOfTheWrongArityIsOurBug() {
    AlterOpLayout.Proposer bad = (op, attrs, shapes, types) -> op.equals("conv2d")
        ? Optional.of(new AlterOpLayout.Proposal("conv2d", attrs, List.of(), null)) : Optional.empty();
    assertThatThrownBy(() -> AlterOpLayout.apply(inferred(residual()), bad)).isInstanceOf(InternalCompilerError.class)
        .hasMessageContaining("the proposal for node 'c1' (op conv2d) names 0 inputs; the node has 3");
  }

  @Test
  void anOpDeclaresItsLayoutRuleAndCorrectLayoutFollowsIt() {
    for (LayoutRule rule : List.of(LayoutRule.AGNOSTIC, LayoutRule.FIXED)) {
      // A third-party op (opaque pattern) between two convs: declared agnostic it runs blocked, fixed it gets NCHW.
      String name = "test_square_" + rule.name().toLowerCase(java.util.Locale.ROOT);
      if (!OpRegistry.contains(name)) {
        OpRegistry.register(Op.builder(name).inputs("data").pattern(OpPattern.OPAQUE).layout(rule)
            .inferShape((a, in) -> in[0] == null ? null : in).inferType((a, in) -> in[0] == null ? null : in).build());
      }
      assertThat(OpRegistry.get(name).layoutRule()).isEqualTo(rule);
      Symbol c1 = Symbol.create("conv2d", "c1", Map.of("channels", "4", "kernel_size", "3", "padding", "1"), v("x"), v("w1"), v("b1"));
      Symbol sq = Symbol.create(name, "sq", Map.of(), c1);
      Symbol c2 = Symbol.create("conv2d", "c2", Map.of("channels", "4", "kernel_size", "3", "padding", "1"), sq, v("w2"), v("b2"));
      Graph g = InferType.apply(InferShape.apply(Graph.create(c2), Map.of("x", Shape.of(1, 4, 5, 5))), InferType.Config.DEFAULT);
      String ir = CorrectLayout.apply(AlterOpLayout.apply(g, BLOCK4)).ir(List.of(Graph.SHAPE));
      String line = ir.lines().filter(l -> l.contains(name + "(")).findFirst().orElseThrow();
      assertThat(line).as(ir).endsWith(rule == LayoutRule.AGNOSTIC ? "shape=[1, 1, 5, 5, 4]" : "shape=[1, 4, 5, 5]");
      assertThat(ir.lines().filter(l -> l.contains("layout_transform(")).count()).as(ir).isEqualTo(rule == LayoutRule.AGNOSTIC ? 4 : 6);
    }
    assertThat(OpRegistry.get("relu").layoutRule()).isEqualTo(LayoutRule.AGNOSTIC);
    assertThat(OpRegistry.get("broadcast_add").layoutRule()).isEqualTo(LayoutRule.BROADCAST);
    assertThat(OpRegistry.get("max_pool2d").layoutRule()).isEqualTo(LayoutRule.LAYOUT_ATTR);
    assertThat(OpRegistry.get("flatten").layoutRule()).isEqualTo(LayoutRule.FIXED);
  }
}
