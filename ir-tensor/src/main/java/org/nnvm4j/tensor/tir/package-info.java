/**
 * The loop-level tensor IR (TIR): expressions ({@link org.nnvm4j.tensor.tir.Expr}) and statements
 * ({@link org.nnvm4j.tensor.tir.Stmt}) as records in sealed hierarchies, buffers, and
 * {@link org.nnvm4j.tensor.tir.PrimFunc}. Dispatch over nodes is an exhaustive {@code switch}
 * without {@code default}, so a new node breaks every visitor at compile time.
 * {@link org.nnvm4j.tensor.tir.Var} compares by identity; alpha-equivalence is
 * {@link org.nnvm4j.tensor.tir.StructuralEqual}.
 */
package org.nnvm4j.tensor.tir;
