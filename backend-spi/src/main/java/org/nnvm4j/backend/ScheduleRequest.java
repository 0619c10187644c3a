package org.nnvm4j.backend;

import java.util.List;
import java.util.Map;
import org.apiguardian.api.API;
import org.nnvm4j.tensor.te.Tensor;

/**
 * What a backend schedules: the output tensors of one fused group, its fusion {@code pattern}
 * ({@code elemwise}, {@code broadcast}, {@code injective}, {@code comm_reduce},
 * {@code out_elemwise_fusable}, {@code opaque}), the name of its master op (e.g. {@code conv2d}) and
 * that op's attributes.
 */
@API(status = API.Status.STABLE, since = "0.1")
public record ScheduleRequest(List<Tensor> outputs, String pattern, String masterOp, Map<String, Object> attrs) {
  public ScheduleRequest {
    outputs = List.copyOf(outputs);
    attrs = Map.copyOf(attrs);
  }
}
