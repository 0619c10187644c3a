package org.nnvm4j.tensor.tir;

/** Walks statements and expressions in pre-order without changing them. Override a hook, call super to descend. */
public abstract class StmtExprVisitor {
  public void visit(Expr e) {
    switch (e) {
      case IntImm n -> { }
      case FloatImm n -> { }
      case StringImm n -> { }
      case Var n -> visitVar(n);
      case Cast n -> visit(n.value());
      case BinaryExpr n -> { visit(n.a()); visit(n.b()); }
      case Not n -> visit(n.a());
      case Select n -> { visit(n.condition()); visit(n.trueValue()); visit(n.falseValue()); }
      case BufferLoad n -> visitLoad(n);
      case ProducerLoad n -> n.indices().forEach(this::visit);
      case Ramp n -> { visit(n.base()); visit(n.stride()); }
      case Broadcast n -> visit(n.value());
      case Call n -> n.args().forEach(this::visit);
      case Let n -> { visit(n.value()); visit(n.body()); }
      case Reduce n -> { n.source().forEach(this::visit); visit(n.condition()); }
    }
  }

  public void visit(Stmt s) {
    switch (s) {
      case LetStmt n -> { visit(n.value()); visit(n.body()); }
      case AttrStmt n -> { visit(n.value()); visit(n.body()); }
      case AssertStmt n -> { visit(n.condition()); visit(n.body()); }
      case For n -> visitFor(n);
      case IfThenElse n -> { visit(n.condition()); visit(n.thenCase()); if (n.elseCase() != null) visit(n.elseCase()); }
      case SeqStmt n -> n.seq().forEach(this::visit);
      case BufferStore n -> visitStore(n);
      case Allocate n -> visitAllocate(n);
      case Evaluate n -> visit(n.value());
    }
  }

  protected void visitVar(Var v) {}

  protected void visitLoad(BufferLoad n) { n.indices().forEach(this::visit); }

  protected void visitStore(BufferStore n) { visit(n.value()); n.indices().forEach(this::visit); }

  protected void visitFor(For n) { visit(n.min()); visit(n.extent()); visit(n.body()); }

  protected void visitAllocate(Allocate n) { n.buffer().shape().forEach(this::visit); visit(n.body()); }
}
