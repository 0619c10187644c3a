package org.nnvm4j.tensor.transform;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StmtMutator;
import org.nnvm4j.tensor.tir.Var;

/**
 * Replaces {@link ForKind#UNROLLED} loops of constant extent by one copy of the body per iteration, with
 * the loop var replaced by its value (TVM's {@code UnrollLoop}). With {@link Config#autoMaxStep} above
 * zero it also unrolls serial loops of constant extent whose nest runs at most that many innermost steps.
 */
public final class UnrollLoop {
  public static final PassInfo INFO = new PassInfo("tir.unroll-loop", "Unroll marked and small constant loops", 0);
  private static final System.Logger LOG = System.getLogger(UnrollLoop.class.getName());

  /**
   * @param autoMaxStep serial loops whose nest (the loop's extent times the steps of the loops inside it)
   *     has at most this many steps are unrolled too; 0 turns auto-unrolling off
   * @param explicitUnroll whether loops marked unrolled are unrolled here (false leaves them to the backend)
   */
  public record Config(int autoMaxStep, boolean explicitUnroll) {
    public static final Config DEFAULT = new Config(0, true);

    public Config {
      if (autoMaxStep < 0) throw new IllegalArgumentException("autoMaxStep must be >= 0, was " + autoMaxStep);
    }
  }

  private UnrollLoop() {}

  public static Stmt apply(Stmt body, Config cfg) { return new Unroller(cfg).mutate(body); }

  public static Pass<PrimFunc> pass() {
    return Pass.of(INFO, PrimFunc.class,
        (f, ctx) -> f.withBody(apply(f.body(), ctx.config(INFO.name(), Config.class, Config.DEFAULT))));
  }

  private static final class Unroller extends StmtMutator {
    private final Config cfg;
    /** The most steps of any loop nest in the statement just mutated; MAX_VALUE when not constant. */
    private long innerSteps = 1;

    Unroller(Config cfg) { this.cfg = cfg; }

    @Override
    protected Stmt visit(For n) {
      long saved = innerSteps;
      innerSteps = 1;
      For loop = (For) super.visit(n);
      Long ext = IrOps.asLong(loop.extent());
      long steps = ext == null ? Long.MAX_VALUE : saturatingProduct(ext, innerSteps);
      boolean marked = n.kind() == ForKind.UNROLLED && cfg.explicitUnroll();
      boolean auto = n.kind() == ForKind.SERIAL && steps <= cfg.autoMaxStep();
      Stmt out = loop;
      if ((marked || auto) && ext != null) {
        out = unroll(loop, ext);
      } else if (marked) {
        LOG.log(System.Logger.Level.DEBUG, "tir.unroll-loop: loop {0} has extent {1}, not a constant; it stays a loop",
            n.loopVar().name(), n.extent());
      }
      innerSteps = Math.max(saved, steps);
      return out;
    }

    private static long saturatingProduct(long a, long b) {
      try {
        return Math.multiplyExact(a, b);
      } catch (ArithmeticException overflow) {
        return Long.MAX_VALUE;
      }
    }

    private static Stmt unroll(For loop, long ext) {
      List<Stmt> copies = new ArrayList<>();
      for (long i = 0; i < ext; i++) {
        Expr value = IrOps.add(loop.min(), IrOps.intImm(loop.loopVar().dtype(), i));
        copies.add(new Replace(loop.loopVar(), value).mutate(loop.body()));
      }
      return SeqStmt.of(copies);
    }
  }

  private static final class Replace extends StmtMutator {
    private final Var var;
    private final Expr value;

    Replace(Var var, Expr value) {
      this.var = var;
      this.value = value;
    }

    @Override protected Expr visit(Var v) { return v == var ? value : v; }
  }
}
