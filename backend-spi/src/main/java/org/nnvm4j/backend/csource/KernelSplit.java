package org.nnvm4j.backend.csource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apiguardian.api.API;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.AssertStmt;
import org.nnvm4j.tensor.tir.AttrStmt;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.Evaluate;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.IfThenElse;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.LetStmt;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StructuralEqual;

/**
 * Splits a lowered function into device kernels and the host steps around them (TVM's
 * {@code SplitHostDevice}): the host allocates the global temporaries and launches, in order, one
 * kernel per top-level loop nest; a nest must contain thread-bound loops, whose extents give the
 * launch geometry (a nest without any loop, a rank-0 result, runs as one work-item), and a split's tail
 * guard gets a block-uniform fast path ({@link PartitionTailBlock}).
 * Every kernel takes the function's buffers, then its temporaries, then its scalars.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class KernelSplit {
  private KernelSplit() {}

  /** One kernel: its name, body, and the grid ({@code blockIdx.x/y/z}) and block ({@code threadIdx.x/y/z}) extents. */
  public record Kernel(String name, Stmt body, List<LaunchExtent> grid, List<LaunchExtent> block) {
    public Kernel {
      grid = List.copyOf(grid);
      block = List.copyOf(block);
    }
  }

  /** The kernels of {@code function}, in launch order, and the global temporaries the host allocates. */
  public record Result(PrimFunc function, List<Buffer> temporaries, List<Kernel> kernels) {
    public Result {
      temporaries = List.copyOf(temporaries);
      kernels = List.copyOf(kernels);
    }

    /** The buffers every kernel of the function takes: the parameters, then the temporaries. */
    public List<Buffer> kernelBuffers() {
      List<Buffer> all = new ArrayList<>(function.buffers());
      all.addAll(temporaries);
      return all;
    }
  }

  /**
   * Splits {@code f}.
   *
   * @throws CompileException naming the function when a top-level statement has no thread-bound loop,
   *     or one kernel binds a thread tag to two different extents
   */
  public static Result split(PrimFunc f) {
    List<Buffer> temps = new ArrayList<>();
    List<Kernel> kernels = new ArrayList<>();
    walk(f, f.body(), temps, kernels);
    return new Result(f, temps, kernels);
  }

  private static void walk(PrimFunc f, Stmt s, List<Buffer> temps, List<Kernel> kernels) {
    switch (s) {
      case SeqStmt n -> n.seq().forEach(x -> walk(f, x, temps, kernels));
      case Allocate n when n.buffer().scope().equals("global") -> {
        temps.add(n.buffer());
        walk(f, n.body(), temps, kernels);
      }
      case AttrStmt n -> walk(f, n.body(), temps, kernels);
      case Allocate n -> kernels.add(kernel(f, s, kernels.size()));
      case For n -> kernels.add(kernel(f, s, kernels.size()));
      case LetStmt n -> kernels.add(kernel(f, s, kernels.size()));
      case AssertStmt n -> kernels.add(kernel(f, s, kernels.size()));
      case IfThenElse n -> kernels.add(kernel(f, s, kernels.size()));
      case BufferStore n -> kernels.add(kernel(f, s, kernels.size()));
      case Evaluate n -> kernels.add(kernel(f, s, kernels.size()));
    }
  }

  private static Kernel kernel(PrimFunc f, Stmt body, int index) {
    Map<String, Expr> extents = new LinkedHashMap<>();
    collect(f, body, extents);
    if (extents.isEmpty() && hasLoop(body)) {
      throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(f.name(), null), "function " + f.name()
          + ": loop nest " + index + " has no loop bound to a GPU thread index; a GPU schedule must bind every"
          + " nest's loops with Stage.bind(axis, \"blockIdx.x\" / \"threadIdx.x\")");
    }
    List<LaunchExtent> grid = new ArrayList<>();
    List<LaunchExtent> block = new ArrayList<>();
    for (String tag : Stage.THREAD_TAGS) {
      Expr e = extents.getOrDefault(tag, IrOps.i32(1));
      (tag.startsWith("block") ? grid : block).add(LaunchExtent.of(e, f.scalarParams()));
    }
    return new Kernel(f.name() + "_kernel" + index, PartitionTailBlock.apply(body), grid, block);
  }

  /** Whether {@code s} contains a loop; a nest without any (a rank-0 result) runs as one work-item. */
  private static boolean hasLoop(Stmt s) {
    boolean[] found = {false};
    new org.nnvm4j.tensor.tir.StmtExprVisitor() {
      @Override
      public void visit(Stmt x) {
        if (x instanceof For) found[0] = true;
        else super.visit(x);
      }
    }.visit(s);
    return found[0];
  }

  /** The extent of every thread-bound loop in {@code s}; a tag bound twice must have one extent. */
  private static void collect(PrimFunc f, Stmt s, Map<String, Expr> extents) {
    switch (s) {
      case For n -> {
        if (n.kind() == ForKind.THREAD_BINDING) {
          Expr old = extents.putIfAbsent(n.threadTag(), n.extent());
          if (old != null && !StructuralEqual.equal(old, n.extent())) {
            throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(f.name(), null), "function " + f.name()
                + ": " + n.threadTag() + " is bound to extents " + old + " and " + n.extent() + " in one kernel");
          }
          if (!IrOps.isConst(n.min(), 0)) {
            throw new CompileException(ErrorCode.INVALID_SCHEDULE, Span.node(f.name(), null), "function " + f.name()
                + ": thread-bound loop " + n.loopVar().name() + " must start at 0");
          }
        }
        collect(f, n.body(), extents);
      }
      case SeqStmt n -> n.seq().forEach(x -> collect(f, x, extents));
      case LetStmt n -> collect(f, n.body(), extents);
      case AttrStmt n -> collect(f, n.body(), extents);
      case AssertStmt n -> collect(f, n.body(), extents);
      case Allocate n -> collect(f, n.body(), extents);
      case IfThenElse n -> {
        collect(f, n.thenCase(), extents);
        if (n.elseCase() != null) collect(f, n.elseCase(), extents);
      }
      case BufferStore n -> { }
      case Evaluate n -> { }
    }
  }
}
