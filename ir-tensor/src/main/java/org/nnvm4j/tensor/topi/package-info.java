/** Operator computes (TVM's TOPI): functions from input tensors to output tensors, tagged for schedule strategies. */
package org.nnvm4j.tensor.topi;
