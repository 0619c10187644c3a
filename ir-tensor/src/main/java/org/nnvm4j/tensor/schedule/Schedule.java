package org.nnvm4j.tensor.schedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.te.Operation;
import org.nnvm4j.tensor.te.Tensor;

/**
 * The schedule of a tensor-expression program: one {@link Stage} per operation reachable from the
 * outputs, in topological order (producers first). Created with {@link #create}; the primitives on
 * its stages record transformations that {@link Lower} applies.
 */
public final class Schedule {
  private final List<Operation> outputs;
  private final List<Stage> stages = new ArrayList<>();
  private final Map<Operation, Stage> byOp = new IdentityHashMap<>();

  private Schedule(List<Operation> outputs) {
    this.outputs = List.copyOf(outputs);
    for (Operation op : outputs) visit(op);
  }

  /** The default schedule of the program that computes {@code outputs}. */
  public static Schedule create(Operation... outputs) { return new Schedule(Arrays.asList(outputs)); }

  public static Schedule create(List<Operation> outputs) { return new Schedule(outputs); }

  private void visit(Operation op) {
    if (byOp.containsKey(op)) return;
    for (Tensor t : op.inputTensors()) visit(t.op());
    Stage s = new Stage(this, op);
    byOp.put(op, s);
    stages.add(s);
  }

  public List<Operation> outputs() { return outputs; }

  /** All stages, producers before consumers. */
  public List<Stage> stages() { return List.copyOf(stages); }

  /** The stage of {@code t}'s operation. */
  public Stage get(Tensor t) { return get(t.op()); }

  public Stage get(Operation op) {
    Stage s = byOp.get(op);
    if (s == null) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(op.name(), null),
          "operation '" + op.name() + "' is not part of this schedule");
    }
    return s;
  }
}
