package org.nnvm4j.backend.llvm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.AssertStmt;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StmtExprVisitor;
import org.nnvm4j.tensor.tir.Var;

/**
 * What a loop body outlined into its own function must receive: the bound vars and the buffers it
 * uses that are defined outside it, in order of first use.
 */
record Captures(List<Var> vars, List<Buffer> buffers, boolean hasAssert) {
  static Captures of(Stmt body, Set<Var> boundVars, Set<Buffer> boundBuffers) {
    Set<Var> vs = new LinkedHashSet<>();
    Set<Buffer> bs = new LinkedHashSet<>();
    Set<Buffer> local = Collections.newSetFromMap(new IdentityHashMap<>());
    boolean[] asserts = {false};
    new StmtExprVisitor() {
      @Override protected void visitVar(Var v) { if (boundVars.contains(v)) vs.add(v); }

      @Override protected void visitLoad(BufferLoad n) { use(n.buffer()); super.visitLoad(n); }

      @Override protected void visitStore(BufferStore n) { use(n.buffer()); super.visitStore(n); }

      @Override protected void visitAllocate(Allocate n) { local.add(n.buffer()); super.visitAllocate(n); }

      @Override
      public void visit(Stmt s) {
        if (s instanceof AssertStmt) asserts[0] = true;
        super.visit(s);
      }

      private void use(Buffer b) { if (!local.contains(b) && boundBuffers.contains(b)) bs.add(b); }
    }.visit(body);
    return new Captures(new ArrayList<>(vs), new ArrayList<>(bs), asserts[0]);
  }
}
