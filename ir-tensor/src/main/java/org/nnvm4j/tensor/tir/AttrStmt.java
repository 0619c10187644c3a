package org.nnvm4j.tensor.tir;

/**
 * Attaches {@code key = value} to {@code body}: pragmas ({@code pragma_*}), storage alignment hints,
 * and {@code thread_extent} for launch geometry. {@code node} is the var or buffer it refers to, or null.
 */
public record AttrStmt(Object node, String key, Expr value, Stmt body) implements Stmt {}
