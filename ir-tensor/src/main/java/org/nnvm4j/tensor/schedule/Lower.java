package org.nnvm4j.tensor.schedule;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.te.ComputeOp;
import org.nnvm4j.tensor.te.ExternOp;
import org.nnvm4j.tensor.te.Operation;
import org.nnvm4j.tensor.te.PlaceholderOp;
import org.nnvm4j.tensor.te.ScanOp;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.StmtMutator;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StmtExprVisitor;
import org.nnvm4j.tensor.tir.Var;
import org.nnvm4j.tensor.transform.TirPipeline;

/**
 * Lowers a scheduled tensor-expression program to a TIR {@link PrimFunc} (TVM's {@code tvm.lower}):
 * one loop nest per stage, in producer-first order, with buffers for the arguments and allocations for
 * intermediate tensors; then the TIR pipeline ({@link TirPipeline}) runs.
 */
public final class Lower {
  private Lower() {}

  /** Lowers and runs the default TIR pipeline. */
  public static PrimFunc lower(Schedule s, List<Tensor> args, String name) {
    return lower(s, args, name, PassContext.defaults());
  }

  public static PrimFunc lower(Schedule s, List<Tensor> args, String name, PassContext ctx) {
    return TirPipeline.build().run(scheduleOps(s, args, name), ctx);
  }

  /** The loop nests of the schedule, before any TIR pass (multi-dimensional buffer accesses). */
  public static PrimFunc scheduleOps(Schedule s, List<Tensor> args, String name) {
    Map<Tensor, Buffer> buffers = new IdentityHashMap<>();
    List<Buffer> params = new ArrayList<>();
    for (Tensor arg : args) {
      Tensor t = s.resolve(arg);
      if (s.find(t.op()) instanceof Stage st && st.hasStorageAlign()) {
        throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(t.op().name(), null), "function '" + name
            + "': tensor " + t.name() + " has storageAlign but is an argument; only intermediate buffers can be padded");
      }
      if (buffers.containsKey(t)) throw CompileException.invalid("function '%s': tensor %s passed twice", name, t.name());
      Buffer b = Buffer.of(t.name(), t.dtype(), t.shape());
      buffers.put(t, b);
      params.add(b);
    }
    List<Stmt> nests = new ArrayList<>();
    List<Buffer> temps = new ArrayList<>();
    Map<Operation, Stage> inlined = new IdentityHashMap<>();
    for (Stage st : s.stages()) if (st.isInlined()) inlined.put(st.op(), st);
    for (Tensor t : args) {
      if (inlined.containsKey(t.op())) {
        throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(t.op().name(), null), "function '" + name
            + "': tensor " + t.name() + " is inlined (computeInline) and has no storage; it cannot be an argument");
      }
    }
    Map<Operation, ScanOp> scanParts = ScanNest.parts(s, name, args);
    for (Stage st : s.stages()) {
      if (st.isInlined()) continue;
      if (st.attachStage() != null) {
        checkAttachment(name, st, args);
        continue;
      }
      switch (st.op()) {
        case PlaceholderOp p -> {
          if (!buffers.containsKey(p.output(0)) && !scanParts.containsKey(p)) {
            throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.node(p.name(), "placeholder"),
                "function '" + name + "' reads placeholder '" + p.name() + "' but it is not among its arguments");
          }
        }
        case ComputeOp c -> {
          if (!scanParts.containsKey(c)) allocateOutputs(st, buffers, temps);
        }
        case ExternOp e -> allocateOutputs(st, buffers, temps);
        case ScanOp sc -> {
          allocateOutputs(st, buffers, temps);
          ScanNest.bind(sc, buffers);
        }
      }
    }
    StageNest.Ctx ctx = new StageNest.Ctx(s, buffers, inlined);
    for (Stage st : s.stages()) {
      if (st.isInlined() || st.attachStage() != null) continue;
      if (st.op() instanceof ComputeOp c && !scanParts.containsKey(c)) nests.add(StageNest.root(st, ctx));
      if (st.op() instanceof ScanOp sc) nests.add(ScanNest.build(sc, ctx));
      if (st.op() instanceof ExternOp e) nests.add(externBody(name, s, e, buffers));
    }
    // an output op must reach the caller; of a multi-output op (argmax's index and value) one output suffices
    for (Operation out : s.outputs()) {
      boolean anyArg = false;
      for (int i = 0; i < out.numOutputs(); i++) anyArg |= !temps.contains(buffers.get(s.resolve(out.output(i))));
      if (!anyArg) {
        throw CompileException.invalid("function '%s': output %s is not among its arguments", name, out.output(0).name());
      }
    }
    Stmt body = SeqStmt.of(nests);
    for (int i = temps.size() - 1; i >= 0; i--) body = new Allocate(temps.get(i), body);
    return new PrimFunc(name, params, shapeVars(params), body, Map.of("global_symbol", name));
  }

  /** Buffers for the outputs of a root stage that are not arguments: allocations inside the function. */
  private static void allocateOutputs(Stage st, Map<Tensor, Buffer> buffers, List<Buffer> temps) {
    for (int i = 0; i < st.op().numOutputs(); i++) {
      Tensor t = st.op().output(i);
      if (!buffers.containsKey(t)) {
        Buffer b = new Buffer(t.name(), t.dtype(), st.storageShape(t.shape()), st.scope());
        buffers.put(t, b);
        temps.add(b);
      }
    }
  }

  /** The hand-written body of an extern op with its placeholder buffers bound to the real ones. */
  private static Stmt externBody(String name, Schedule s, ExternOp e, Map<Tensor, Buffer> buffers) {
    Map<Buffer, Buffer> bind = new IdentityHashMap<>();
    for (int i = 0; i < e.inputTensors().size(); i++) {
      Tensor in = s.resolve(e.inputTensors().get(i));
      Buffer real = buffers.get(in);
      if (real == null) {
        throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(e.name(), null), "function '" + name + "': extern '"
            + e.name() + "' reads " + in.name() + ", which has no buffer of its own (inlined or computed at another stage);"
            + " compute it at the root");
      }
      bind.put(e.inputBuffers().get(i), real);
    }
    for (int i = 0; i < e.numOutputs(); i++) bind.put(e.outputBuffers().get(i), buffers.get(e.output(i)));
    return StmtMutator.substituteBuffers(e.body(), bind);
  }

  /** A stage computed at another must hang below a root stage through stages that are computed, not inlined. */
  private static void checkAttachment(String name, Stage st, List<Tensor> args) {
    for (Tensor a : args) {
      if (st.schedule().resolve(a).op() == st.op()) {
        throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(st.op().name(), null), "function '" + name
            + "': tensor " + a.name() + " is computed at stage '" + st.attachStage().op().name()
            + "' and has only a local buffer; it cannot be an argument");
      }
    }
    for (Stage p = st.attachStage(); p != null; p = p.attachStage()) {
      if (p.isInlined()) {
        throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(st.op().name(), st.attachAxis().var().name()),
            "stage '" + st.op().name() + "' is computed at stage '" + p.op().name() + "', which is inlined");
      }
    }
  }

  /** The symbolic vars of the parameters' shapes, in order of first appearance. */
  private static List<Var> shapeVars(List<Buffer> params) {
    Set<Var> vars = new LinkedHashSet<>();
    StmtExprVisitor v = new StmtExprVisitor() {
      @Override protected void visitVar(Var var) { vars.add(var); }
    };
    for (Buffer b : params) b.shape().forEach(v::visit);
    return List.copyOf(vars);
  }
}
