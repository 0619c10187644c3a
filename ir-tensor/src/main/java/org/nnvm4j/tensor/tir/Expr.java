package org.nnvm4j.tensor.tir;

import org.nnvm4j.tensor.DType;

/** A TIR expression. Build them with {@link IrOps}, which folds constants and checks types. */
public sealed interface Expr
    permits IntImm, FloatImm, StringImm, Var, Cast, BinaryExpr, Not, Select, BufferLoad, ProducerLoad, Ramp,
        Broadcast, Call, Let, Reduce {
  DType dtype();
}
