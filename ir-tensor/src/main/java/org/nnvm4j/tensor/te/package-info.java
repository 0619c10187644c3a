/**
 * Tensor expressions (TVM's {@code te}): {@link org.nnvm4j.tensor.te.Te#placeholder},
 * {@link org.nnvm4j.tensor.te.Te#compute} and friends build {@link org.nnvm4j.tensor.te.Tensor}s
 * whose {@link org.nnvm4j.tensor.te.Operation}s a {@link org.nnvm4j.tensor.schedule.Schedule}
 * turns into loops.
 */
package org.nnvm4j.tensor.te;
