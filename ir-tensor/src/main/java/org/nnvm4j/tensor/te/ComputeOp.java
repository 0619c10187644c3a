package org.nnvm4j.tensor.te;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.ProducerLoad;
import org.nnvm4j.tensor.tir.Reduce;
import org.nnvm4j.tensor.tir.StmtExprVisitor;

/**
 * {@code out[axis] = body} for every point of the data-parallel {@code axis}; a body that is a
 * {@link Reduce} also iterates its reduction axes. Identity-compared. {@code tag} names the operator
 * pattern (e.g. {@code elemwise}, {@code broadcast}, {@code conv2d_nchw}) for schedule strategies.
 */
public final class ComputeOp implements Operation {
  private final String name;
  private final String tag;
  private final Map<String, Object> attrs;
  private final List<IterVar> axis;
  private final List<Expr> body;
  private final List<Tensor> outputs = new ArrayList<>();

  ComputeOp(String name, String tag, Map<String, Object> attrs, List<IterVar> axis, List<Expr> body) {
    this.name = name;
    this.tag = tag;
    this.attrs = Map.copyOf(attrs);
    this.axis = List.copyOf(axis);
    this.body = List.copyOf(body);
    for (int i = 0; i < body.size(); i++) outputs.add(new Tensor(this, i));
  }

  /**
   * A compute with the given axes and bodies, for schedule rewrites (cache stages) that rebuild an
   * operation around existing iteration variables; {@link Te#computeN} is the user-facing factory.
   */
  public static ComputeOp of(String name, String tag, Map<String, Object> attrs, List<IterVar> axis, List<Expr> body) {
    return new ComputeOp(name, tag, attrs, axis, body);
  }

  @Override public String name() { return name; }

  public String tag() { return tag; }

  public Map<String, Object> attrs() { return attrs; }

  /** The data-parallel axes, one per output dimension. */
  public List<IterVar> axis() { return axis; }

  /** The reduction axes of a reducing body; empty otherwise. */
  public List<IterVar> reduceAxis() { return body.get(0) instanceof Reduce r ? r.axis() : List.of(); }

  public List<Expr> body() { return body; }

  @Override public int numOutputs() { return body.size(); }

  @Override public DType outputDType(int i) { return body.get(i).dtype(); }

  @Override public List<Expr> outputShape(int i) { return axis.stream().map(iv -> iv.dom().extent()).toList(); }

  @Override public Tensor output(int i) { return outputs.get(i); }

  @Override
  public List<Tensor> inputTensors() {
    Set<Tensor> found = new LinkedHashSet<>();
    StmtExprVisitor v = new StmtExprVisitor() {
      @Override
      public void visit(Expr e) {
        if (e instanceof ProducerLoad p && p.producer() instanceof Tensor t) found.add(t);
        super.visit(e);
      }
    };
    body.forEach(v::visit);
    return List.copyOf(found);
  }

  @Override public String toString() { return "compute(" + name + ")"; }
}
