package org.nnvm4j.tensor.tir;

import java.util.ArrayList;
import java.util.List;

/** Statements run in order. Use {@link #of} to flatten nested sequences. */
public record SeqStmt(List<Stmt> seq) implements Stmt {
  public SeqStmt { seq = List.copyOf(seq); }

  /** The sequence of {@code stmts}, flattening nested sequences; a single statement stays itself. */
  public static Stmt of(List<Stmt> stmts) {
    List<Stmt> flat = new ArrayList<>();
    for (Stmt s : stmts) {
      if (s instanceof SeqStmt q) flat.addAll(q.seq());
      else if (s != null) flat.add(s);
    }
    return flat.size() == 1 ? flat.get(0) : new SeqStmt(flat);
  }

  public static Stmt of(Stmt... stmts) { return of(List.of(stmts)); }
}
