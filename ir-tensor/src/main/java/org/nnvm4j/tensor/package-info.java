/**
 * Tensor-level core: {@link org.nnvm4j.tensor.DType}, {@link org.nnvm4j.tensor.Shape} and the
 * off-heap host tensor {@link org.nnvm4j.tensor.NDArray}. Sub-packages hold the loop-level IR
 * ({@code tir}), tensor expressions ({@code te}), schedules and lowering ({@code schedule}), TIR
 * passes ({@code transform}), the reference interpreter ({@code interp}) and operator computes
 * ({@code topi}).
 */
package org.nnvm4j.tensor;
