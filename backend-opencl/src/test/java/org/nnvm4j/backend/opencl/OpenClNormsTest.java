package org.nnvm4j.backend.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.nnvm4j.backend.opencl.OpenClLocalMemoryTest.check;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.topi.Norm;
import org.nnvm4j.tensor.topi.PoolNd;

/**
 * The norms and Lp pools on the OpenCL device under the generic GPU schedules: a norm's row reductions
 * (the sum, the sum of squared deviations or of squares) run one work-group per row with a tree in local
 * memory once a row has at least 64 elements, as softmax's do, and one work-item per row below; the
 * output is one work-item per element. Checked against the interpreter (serial schedule), 1e-5 relative.
 */
class OpenClNormsTest extends DeviceCheck {
  @Test
  void layerAndInstanceNormReduceLongRowsAcrossTheWorkGroup() {
    for (long[] sh : new long[][] {{3, 100}, {2, 257}, {4, 64}, {5, 7}}) {
      Tensor x = Te.placeholder(Te.shape(sh), DType.F32, "X");
      Tensor g = Te.placeholder(Te.shape(sh[1]), DType.F32, "G");
      Tensor b = Te.placeholder(Te.shape(sh[1]), DType.F32, "B");
      String src = check("layer_norm_" + sh[0] + "_" + sh[1], List.of(x, g, b), Norm.layerNorm(x, g, b, 1, 1e-5, "LN").out(), "opaque", 0, 1e-5, 1e-5);
      if (sh[1] >= 64) assertThat(src).contains("__local float LN_sum_red[64];").contains("__local float LN_sqr_dev_red[64];");
      else assertThat(src).doesNotContain("barrier");
    }
    Tensor x = Te.placeholder(Te.shape(2, 3, 9, 11), DType.F32, "X");
    Tensor g = Te.placeholder(Te.shape(3), DType.F32, "G");
    Tensor b = Te.placeholder(Te.shape(3), DType.F32, "B");
    assertThat(check("instance_norm", List.of(x, g, b), Norm.instanceNorm(x, g, b, 1, 1e-5, "IN"), "opaque", 0, 1e-5, 1e-5))
        .contains("barrier(CLK_LOCAL_MEM_FENCE);");
  }

  @Test
  void l2NormalizeAndGlobalLpPool() {
    Tensor x = Te.placeholder(Te.shape(6, 130), DType.F32, "X");
    assertThat(check("l2_normalize", List.of(x), Norm.l2Normalize(x, 1e-12, new int[] {1}, "L2"), "opaque", 0, 1e-5, 1e-6))
        .contains("__local float L2_sqr_sum_red[64];");
    Tensor y = Te.placeholder(Te.shape(2, 3, 12, 12), DType.F32, "Y");
    assertThat(check("global_lp_pool", List.of(y), PoolNd.globalLpPool(y, 3, "GLP"), "out_elemwise_fusable", 0, 1e-5, 1e-6))
        .contains("barrier(CLK_LOCAL_MEM_FENCE);");
    PoolNd.Params p = new PoolNd.Params(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 1}, true, false);
    assertThat(check("lp_pool2d", List.of(y), PoolNd.lpPool(y, p, 2, "LP"), "out_elemwise_fusable", 0, 1e-5, 1e-6)).doesNotContain("barrier");
  }
}
