package org.nnvm4j.graph.pass;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.tensor.Shape;

/** SimplifyInference, FuseOps, PrecomputePrune and PlanMemory, each shown before and after on {@code graph.ir()} text. */
class GraphPassesTest {
  private static Symbol v(String name) { return Symbol.variable(name); }

  /** x -> conv2d(+bias) -> batch_norm -> relu -> max_pool2d -> flatten -> dense -> softmax. */
  static Graph smallCnn() {
    Symbol c = Symbol.create("conv2d", "conv", Map.of("channels", "2", "kernel_size", "(3, 3)", "padding", "(1, 1)"), v("x"), v("w"), v("b"));
    Symbol bn = Symbol.create("batch_norm", "bn", Map.of(), c, v("gamma"), v("beta"), v("mean"), v("var"));
    Symbol r = Symbol.create("relu", "relu", Map.of(), bn);
    Symbol p = Symbol.create("max_pool2d", "pool", Map.of("pool_size", "(2, 2)", "strides", "(2, 2)"), r);
    Symbol f = Symbol.create("flatten", "flat", Map.of(), p);
    Symbol d = Symbol.create("dense", "fc", Map.of("units", "3"), f, v("fw"), v("fb"));
    return Graph.create(Symbol.create("softmax", "prob", Map.of(), d));
  }

  static Graph inferred(Graph g) {
    return InferType.apply(InferShape.apply(g, Map.of("x", Shape.of(1, 1, 4, 4))), InferType.Config.DEFAULT);
  }

  @Test
  void passesAreRegisteredByNameWithTheirOptLevels() {
    org.nnvm4j.pass.PassRegistry r = org.nnvm4j.pass.PassRegistry.global();
    assertThat(r.names()).contains("graph.simplify-inference", "graph.fuse-ops", "graph.precompute-prune", "graph.plan-memory");
    assertThat(r.get("graph.simplify-inference", Graph.class).info().optLevel()).isZero();
    assertThat(r.get("graph.fuse-ops", Graph.class).info().optLevel()).isEqualTo(1);
    assertThat(r.get("graph.precompute-prune", Graph.class).info().optLevel()).isEqualTo(2);
    assertThat(r.get("graph.plan-memory", Graph.class).info().optLevel()).isZero();
  }

  @Test
  void requiredOpAttributeIsNamed() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Symbol.create("conv2d", "c", Map.of("kernel_size", "3"), v("x"), v("w"), v("b")))
        .hasMessage("op conv2d requires attribute 'channels' (the number of output channels) (node 'c', op 'conv2d', attribute 'channels')");
  }

  @Test
  void simplifyInferenceRewritesBatchNormAndDropout() {
    Symbol x = v("x");
    Symbol bn = Symbol.create("batch_norm", "bn", Map.of("epsilon", "0.001"), x, v("g"), v("b"), v("m"), v("s"));
    Graph g = InferType.apply(InferShape.apply(Graph.create(Symbol.create("dropout", "drop", Map.of(), bn)),
        Map.of("x", Shape.of(1, 2, 3, 3))), InferType.Config.DEFAULT);
    assertThat(g.ir()).isEqualTo("""
        Graph(%x, %g, %b, %m, %s) {
          %5 = batch_norm(%x, %g, %b, %m, %s, axis='1', epsilon='0.001', center='True', scale='True')
          %6 = dropout(%5, rate='0.5')
          ret %6
        }""");
    Graph after = SimplifyInference.apply(g);
    assertThat(after.ir(List.of(Graph.SHAPE))).isEqualTo("""
        Graph(%x: shape=[1, 2, 3, 3], %g: shape=[2], %s: shape=[2], %m: shape=[2], %b: shape=[2]) {
          %3 = __add_scalar__(%s, scalar='0.001'), shape=[2]
          %4 = sqrt(%3), shape=[2]
          %5 = elemwise_div(%g, %4), shape=[2]
          %6 = expand_dims(%5, axis='1', num_newaxis='2'), shape=[2, 1, 1]
          %7 = broadcast_mul(%x, %6), shape=[1, 2, 3, 3]
          %9 = elemwise_mul(%m, %5), shape=[2]
          %10 = negative(%9), shape=[2]
          %12 = elemwise_add(%10, %b), shape=[2]
          %13 = expand_dims(%12, axis='1', num_newaxis='2'), shape=[2, 1, 1]
          %14 = broadcast_add(%7, %13), shape=[1, 2, 3, 3]
          ret %14
        }""");
  }

  @Test
  void fuseOpsGroupsByPattern() {
    Graph g = FuseOps.apply(SimplifyInference.apply(inferred(smallCnn())));
    assertThat(g.ir(List.of(FuseOps.GROUP))).isEqualTo("""
        Graph(%x, %w, %b, %gamma, %var, %mean, %beta, %fw, %fb) {
          %3 = conv2d(%x, %w, %b, channels='2', kernel_size='(3, 3)', strides='(1, 1)', padding='(1, 1)', dilation='(1, 1)', groups='1', layout='NCHW', kernel_layout='OIHW', use_bias='True'), fuse_group=0
          %6 = __add_scalar__(%var, scalar='1e-05'), fuse_group=1
          %7 = sqrt(%6), fuse_group=1
          %8 = elemwise_div(%gamma, %7), fuse_group=1
          %9 = expand_dims(%8, axis='1', num_newaxis='2'), fuse_group=2
          %10 = broadcast_mul(%3, %9), fuse_group=0
          %12 = elemwise_mul(%mean, %8), fuse_group=3
          %13 = negative(%12), fuse_group=3
          %15 = elemwise_add(%13, %beta), fuse_group=3
          %16 = expand_dims(%15, axis='1', num_newaxis='2'), fuse_group=3
          %17 = broadcast_add(%10, %16), fuse_group=0
          %18 = relu(%17), fuse_group=0
          %19 = max_pool2d(%18, pool_size='(2, 2)', strides='(2, 2)', padding='(0, 0)', layout='NCHW', ceil_mode='False'), fuse_group=4
          %20 = flatten(%19), fuse_group=5
          %23 = dense(%20, %fw, %fb, units='3', use_bias='True'), fuse_group=6
          %24 = softmax(%23, axis='-1'), fuse_group=7
          ret %24
        }""");
  }

  @Test
  void precomputePruneTurnsParameterSubgraphsIntoParams() {
    Graph g = SimplifyInference.apply(inferred(smallCnn()));
    Graph after = PrecomputePrune.apply(g, Set.of("w", "b", "gamma", "beta", "mean", "var", "fw", "fb"));
    assertThat(after.ir(List.of(Graph.SHAPE))).isEqualTo("""
        Graph(%x: shape=[1, 1, 4, 4], %w: shape=[2, 1, 3, 3], %b: shape=[2], %bn_scale_expand_output0: shape=[2, 1, 1], %bn_shift_expand_output0: shape=[2, 1, 1], %fw: shape=[3, 8], %fb: shape=[3]) {
          %3 = conv2d(%x, %w, %b, channels='2', kernel_size='(3, 3)', strides='(1, 1)', padding='(1, 1)', dilation='(1, 1)', groups='1', layout='NCHW', kernel_layout='OIHW', use_bias='True'), shape=[1, 2, 4, 4]
          %5 = broadcast_mul(%3, %bn_scale_expand_output0), shape=[1, 2, 4, 4]
          %7 = broadcast_add(%5, %bn_shift_expand_output0), shape=[1, 2, 4, 4]
          %8 = relu(%7), shape=[1, 2, 4, 4]
          %9 = max_pool2d(%8, pool_size='(2, 2)', strides='(2, 2)', padding='(0, 0)', layout='NCHW', ceil_mode='False'), shape=[1, 2, 2, 2]
          %10 = flatten(%9), shape=[1, 8]
          %13 = dense(%10, %fw, %fb, units='3', use_bias='True'), shape=[1, 3]
          %14 = softmax(%13, axis='-1'), shape=[1, 3]
          ret %14
        }""");
    PrecomputePrune.Precompute pre = after.attr(PrecomputePrune.PRECOMPUTE, PrecomputePrune.Precompute.class);
    assertThat(pre.names()).containsExactly("bn_scale_expand_output0", "bn_shift_expand_output0");
    assertThat(pre.graph().outputs()).hasSize(2);
    assertThat(PrecomputePrune.apply(after, Set.of("w"))).isSameAs(after);
  }

  @Test
  void foldScaleAxisMovesTheBatchNormScaleIntoTheConvWeights() {
    Set<String> params = Set.of("w", "b", "gamma", "beta", "mean", "var", "fw", "fb");
    Graph g = SimplifyInference.apply(inferred(smallCnn()));
    Graph after = PrecomputePrune.apply(FoldScaleAxis.apply(g, params), params);
    assertThat(after.ir()).isEqualTo("""
        Graph(%x, %conv_fold_weight_output0, %conv_fold_bias_output0, %bn_shift_expand_output0, %fw, %fb) {
          %3 = conv2d(%x, %conv_fold_weight_output0, %conv_fold_bias_output0, channels='2', kernel_size='(3, 3)', strides='(1, 1)', padding='(1, 1)', dilation='(1, 1)', groups='1', layout='NCHW', kernel_layout='OIHW', use_bias='True')
          %5 = broadcast_add(%3, %bn_shift_expand_output0)
          %6 = relu(%5)
          %7 = max_pool2d(%6, pool_size='(2, 2)', strides='(2, 2)', padding='(0, 0)', layout='NCHW', ceil_mode='False')
          %8 = flatten(%7)
          %11 = dense(%8, %fw, %fb, units='3', use_bias='True')
          %12 = softmax(%11, axis='-1')
          ret %12
        }""");
    assertThat(FoldScaleAxis.apply(g, Set.of())).as("a scale computed at run time is not folded").isSameAs(g);
  }

  @Test
  void materializeOutputsCopiesOutputsThatAreVariables() {
    Graph g = InferType.apply(InferShape.apply(Graph.create(Symbol.group(v("a"), Symbol.create("exp", "e", Map.of(), v("b")))),
        Map.of("a", Shape.of(2), "b", Shape.of(3))), InferType.Config.DEFAULT);
    assertThat(MaterializeOutputs.apply(g).ir(List.of(Graph.SHAPE))).isEqualTo("""
        Graph(%a: shape=[2], %b: shape=[3]) {
          %1 = copy(%a), shape=[2]
          %3 = exp(%b), shape=[3]
          ret %1, %3
        }""");
    Graph computed = MaterializeOutputs.apply(g);
    assertThat(MaterializeOutputs.apply(computed)).isSameAs(computed);
  }

  @Test
  void planMemoryReusesBlocksWhoseLifetimesEnded() {
    Symbol x = v("x");
    Symbol a = Symbol.create("exp", "a", Map.of(), x);
    Symbol b = Symbol.create("softmax", "b", Map.of(), a);
    Symbol c = Symbol.create("softmax", "c", Map.of(), b);
    Symbol d = Symbol.create("softmax", "d", Map.of(), c);
    Graph g = InferType.apply(InferShape.apply(Graph.create(Symbol.create("negative", "e", Map.of(), d)), Map.of("x", Shape.of(4, 8))),
        InferType.Config.DEFAULT);
    Graph planned = PlanMemory.apply(g);
    assertThat(planned.ir(List.of(PlanMemory.STORAGE_ID))).isEqualTo("""
        Graph(%x: storage_id=0) {
          %1 = exp(%x), storage_id=1
          %2 = softmax(%1, axis='-1'), storage_id=2
          %3 = softmax(%2, axis='-1'), storage_id=1
          %4 = softmax(%3, axis='-1'), storage_id=2
          %5 = negative(%4), storage_id=1
          ret %5
        }""");
    assertThat(planned.attr(PlanMemory.REPORT, PlanMemory.Report.class))
        .isEqualTo(new PlanMemory.Report(3 * 128, 6 * 128, 2 * 128, 5 * 128, 3));
    Symbol n = Symbol.create("negative", "n", Map.of(), a);
    Symbol s1 = Symbol.create("softmax", "s1", Map.of(), n);
    Symbol s2 = Symbol.create("softmax", "s2", Map.of(), s1);
    Graph chain = InferType.apply(InferShape.apply(Graph.create(Symbol.create("relu", "r", Map.of(), s2)), Map.of("x", Shape.of(4, 8))),
        InferType.Config.DEFAULT);
    Graph fused = PlanMemory.apply(FuseOps.apply(chain));
    assertThat(fused.ir(List.of(FuseOps.GROUP, PlanMemory.STORAGE_ID))).isEqualTo("""
        Graph(%x: storage_id=0) {
          %1 = exp(%x), fuse_group=0, storage_id=-1
          %2 = negative(%1), fuse_group=0, storage_id=1
          %3 = softmax(%2, axis='-1'), fuse_group=1, storage_id=2
          %4 = softmax(%3, axis='-1'), fuse_group=2, storage_id=1
          %5 = relu(%4), fuse_group=3, storage_id=2
          ret %5
        }""");
    assertThat(fused.attr(PlanMemory.REPORT, PlanMemory.Report.class).activationBytes()).isEqualTo(2 * 128);
  }
}
