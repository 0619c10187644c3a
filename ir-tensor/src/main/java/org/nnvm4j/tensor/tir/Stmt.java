package org.nnvm4j.tensor.tir;

/** A TIR statement. */
public sealed interface Stmt
    permits LetStmt, AttrStmt, AssertStmt, For, IfThenElse, SeqStmt, BufferStore, Allocate, Evaluate {}
