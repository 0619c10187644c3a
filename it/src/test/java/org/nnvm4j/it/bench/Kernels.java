package org.nnvm4j.it.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.*;

/** The programs the benchmarks time, built with the public tensor-expression API, and a compiled handle on them. */
final class Kernels {
  private Kernels() {}

  /** float32 lanes of the host's widest vectors: 16 with AVX-512, else 8 (AVX2). */
  static int hostLanes() {
    org.nnvm4j.backend.llvm.LlvmNative.init();
    return org.nnvm4j.backend.llvm.LlvmNative.hostFeatures().contains("+avx512f") ? 16 : 8;
  }

  /** A compiled function with its buffers; {@link #run()} calls it once. */
  record Compiled(Backend backend, Module module, ModuleFunction fn, List<DeviceBuffer> buffers, long[] scalars)
      implements AutoCloseable {
    void run() { fn.call(buffers, scalars); }

    @Override
    public void close() {
      buffers.forEach(DeviceBuffer::close);
      module.close();
      backend.close();
    }
  }

  /**
   * The fused group whose output is {@code out} over inputs {@code args}, scheduled by {@code backend}'s own
   * strategy as the graph compiler schedules it (master op {@code op}), lowered as {@code name} and compiled
   * for {@code target} with a buffer per input and the output.
   */
  static Compiled compileGroup(String target, Backend backend, List<Tensor> args, Tensor out, String op, String name) {
    Schedule s = backend.lowering().schedule(new org.nnvm4j.backend.ScheduleRequest(List.of(out), "out_elemwise_fusable", op, Map.of()));
    List<Tensor> all = new ArrayList<>(args);
    all.add(out);
    PrimFunc f = Lower.lower(s, all, name);
    long[] bytes = all.stream().mapToLong(t -> 4L * t.shape().stream().mapToLong(IrOps::asLong).reduce(1, (a, b) -> a * b)).toArray();
    return compile(target, f, bytes, new long[0]);
  }

  /** {@code y} over {@code args} followed by a relu, fused and compiled as {@link #compileGroup}; prints {@code figures} of {@code name}. */
  static Compiled withRelu(String target, Backend backend, Tensor y, String op, List<Tensor> args, String name, String figures) {
    Tensor out = Te.computeN(y.shape(), i -> IrOps.max(y.get(i), IrOps.f32(0)), "relu", "", Map.of());
    System.out.println(name + ": " + figures);
    return compileGroup(target, backend, args, out, op, name);
  }

  static Compiled compile(String target, PrimFunc f, long[] bufferBytes, long[] scalars) {
    Backend backend = BackendRegistry.defaultRegistry().create(Target.parse(target));
    Module m = backend.lowering().codegen(List.of(f), PassContext.defaults());
    List<DeviceBuffer> bufs = new ArrayList<>();
    for (long bytes : bufferBytes) {
      DeviceBuffer b = backend.runtime().allocate(Device.cpu(0), bytes);
      java.lang.foreign.MemorySegment s = b.hostSegment().orElseThrow();
      for (long i = 0; i < bytes / 4; i++) s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (i % 7) * 0.25f);
      bufs.add(b);
    }
    return new Compiled(backend, m, m.function(f.name()), bufs, scalars);
  }

  /** B [n, n] packed into [n/cols][n][cols] panels, so that a tile's columns are read contiguously for every k. */
  private static Tensor packB(Tensor b, int n, int cols) {
    return Te.computeN(Te.shape(n / cols, n, cols),
        ix -> b.get(ix.get(1), IrOps.add(IrOps.mul(ix.get(0), IrOps.i32(cols)), ix.get(2))), "packedB", "", Map.of());
  }

  /** Packs on the worker threads: panels in parallel, each panel row one vector. */
  private static void schedulePack(Schedule s, Tensor packed) {
    Stage sp = s.get(packed);
    sp.parallel(sp.axis().get(0));
    sp.vectorize(sp.axis().get(2));
  }

  /**
   * sgemm C = A * B (n x n x n, float32) with TVM's CPU recipe: B packed into [n/bn][n][bn] panels,
   * C tiled bn x bn, k split by 4, loops (xo, yo, ko, xi, ki, yi), yi vectorized, xo parallel.
   */
  static PrimFunc sgemm(int n, int bn) {
    Tensor a = Te.placeholder(Te.shape(n, n), DType.F32, "A");
    Tensor b = Te.placeholder(Te.shape(n, n), DType.F32, "B");
    Tensor packed = packB(b, n, bn);
    IterVar k = Te.reduceAxis(n, "k");
    Tensor c = Te.compute(Te.shape(n, n), (x, y) -> Te.sum(IrOps.mul(a.get(x, k.var()),
        packed.get(IrOps.floorDiv(y, IrOps.i32(bn)), k.var(), IrOps.floorMod(y, IrOps.i32(bn)))), k), "C");
    Schedule s = Schedule.create(c.op());
    Stage sc = s.get(c);
    IterVar[] t = sc.tile(sc.axis().get(0), sc.axis().get(1), bn, bn);
    IterVar[] kk = sc.split(k, 4);
    sc.reorder(t[0], t[1], kk[0], t[2], kk[1], t[3]);
    sc.vectorize(t[3]);
    sc.parallel(t[0]);
    schedulePack(s, packed);
    return Lower.lower(s, List.of(a, b, c), "sgemm");
  }

  /** Rows of the register tile: 6 x 16 floats are 12 ymm accumulators, plus 2 for B and 1 for A of the 16 AVX2 registers. */
  static final int TILE_ROWS = 6;
  /** Columns of the register tile (two 8-lane vectors). */
  static final int TILE_COLS = 16;
  /**
   * The k loop is split by this and its inner part unrolled when above 1. Measured on the 2-core Zen 3
   * (JMH minimum of 1-thread runs): 1 gives 24 ms, 2 gives 71 ms, 4 gives 43-60 ms; with unrolled k steps
   * LLVM hoists their B loads above the FMAs and runs out of the 16 ymm registers, so the k loop is
   * left to LLVM, as in the x86 dense strategy.
   */
  static final int K_UNROLL = 1;

  /**
   * sgemm with a register-blocked micro-kernel from the same primitives as the x86 dense strategy:
   * B packed into 16-wide panels; the product computed in blocked form {@code P[mp, n/16, 16]} over rows
   * rounded up to the 6-row tile ({@code A}'s row index clamped), so its micro-kernel never needs a tail
   * guard and reads the panel contiguously; C tiled 6 x 16 and read back from {@code P}, the tile's rows in
   * parallel; the product accumulated in a {@code local} tile ({@code cacheWrite}, {@code P} itself inlined)
   * computed at the tile loop ({@code computeAt}), with loops (k, row, col): the rows unrolled
   * and the 16 columns vectorized, so the 12 accumulators stay in ymm registers; compiled with
   * {@code -fp-contract=fast} for FMA.
   */
  static PrimFunc sgemmBlocked(int n) {
    int mp = (n + TILE_ROWS - 1) / TILE_ROWS * TILE_ROWS;
    Tensor a = Te.placeholder(Te.shape(n, n), DType.F32, "A");
    Tensor b = Te.placeholder(Te.shape(n, n), DType.F32, "B");
    Tensor packed = packB(b, n, TILE_COLS);
    IterVar rk = Te.reduceAxis(n, "k");
    Tensor p = Te.computeN(Te.shape(mp, n / TILE_COLS, TILE_COLS), ix -> Te.sum(IrOps.mul(
        a.get(IrOps.min(ix.get(0), IrOps.i32(n - 1)), rk.var()), packed.get(ix.get(1), rk.var(), ix.get(2))), rk), "P", "", Map.of());
    Expr cols = IrOps.i32(TILE_COLS);
    Tensor c = Te.compute(Te.shape(n, n), (x, y) -> p.get(x, IrOps.floorDiv(y, cols), IrOps.floorMod(y, cols)), "C");
    Schedule s = Schedule.create(c.op());
    Stage sc = s.get(c);
    IterVar[] t = sc.tile(sc.axis().get(0), sc.axis().get(1), TILE_ROWS, TILE_COLS);
    sc.vectorize(t[3]);
    sc.parallel(t[0]);
    Tensor pl = s.cacheWrite(p, "local");
    s.get(p).computeInline(); // C reads the local tile directly
    Stage l = s.get(pl);
    l.computeAt(sc, t[1]);
    List<IterVar> ax = l.axis();
    IterVar k = ((org.nnvm4j.tensor.te.ComputeOp) pl.op()).reduceAxis().get(0);
    if (K_UNROLL > 1) {
      IterVar[] kk = l.split(k, K_UNROLL);
      l.reorder(ax.get(1), kk[0], kk[1], ax.get(0), ax.get(2));
      l.unroll(kk[1]);
    } else {
      l.reorder(ax.get(1), k, ax.get(0), ax.get(2));
    }
    l.unroll(ax.get(0));
    l.vectorize(ax.get(2));
    schedulePack(s, packed);
    return Lower.lower(s, List.of(a, b, c), "sgemm");
  }

  /**
   * A peak-FMA loop: {@code acc} independent 16-lane accumulators, each updated {@code fma(acc, x, y)}
   * {@code iters} times per task, one task per thread ({@code tasks} run as a parallel loop).
   * FLOPs = tasks * iters * acc * 16 * 2.
   */
  static PrimFunc fmaPeak(int tasks, int accumulators, int lanes) {
    Buffer in = Buffer.of("X", DType.F32, List.of(IrOps.i32(2)));
    Buffer out = Buffer.of("Out", DType.F32, List.of(IrOps.i32(tasks * accumulators * lanes)));
    Buffer acc = new Buffer("acc", DType.F32, List.of(IrOps.i32(accumulators * lanes)), "local");
    Var iters = Var.sizeVar("iters", DType.I32);
    Var task = new Var("task", DType.I32);
    Var it = new Var("it", DType.I32);
    DType vt = DType.F32.withLanes(lanes);
    Expr x = new Broadcast(new BufferLoad(in, List.of(IrOps.i32(0))), lanes);
    Expr y = new Broadcast(new BufferLoad(in, List.of(IrOps.i32(1))), lanes);
    List<Stmt> init = new ArrayList<>();
    List<Stmt> update = new ArrayList<>();
    List<Stmt> save = new ArrayList<>();
    for (int u = 0; u < accumulators; u++) {
      Expr slot = new Ramp(IrOps.i32(u * lanes), IrOps.i32(1), lanes);
      init.add(new BufferStore(acc, new Broadcast(IrOps.f32(u), lanes), List.of(slot)));
      update.add(new BufferStore(acc, new Call(vt, Intrinsics.FMA, List.of(new BufferLoad(acc, List.of(slot)), x, y)), List.of(slot)));
      Expr dst = new Ramp(IrOps.add(IrOps.mul(task, IrOps.i32(accumulators * lanes)), IrOps.i32(u * lanes)), IrOps.i32(1), lanes);
      save.add(new BufferStore(out, new BufferLoad(acc, List.of(slot)), List.of(dst)));
    }
    Stmt body = SeqStmt.of(SeqStmt.of(init), new For(it, IrOps.i32(0), iters, ForKind.SERIAL, SeqStmt.of(update)), SeqStmt.of(save));
    Stmt loop = new For(task, IrOps.i32(0), IrOps.i32(tasks), tasks > 1 ? ForKind.PARALLEL : ForKind.SERIAL, new Allocate(acc, body));
    return new PrimFunc("fma_peak", List.of(in, out), List.of(iters), loop, Map.of());
  }

  /** {@code for (i, 0, extent) Out[i] = float(i)}, parallel or serial: the cost of launching a parallel loop. */
  static PrimFunc tinyLoop(int extent, boolean parallel) {
    Buffer out = Buffer.of("Out", DType.F32, List.of(IrOps.i32(extent)));
    Var i = new Var("i", DType.I32);
    Stmt body = new BufferStore(out, IrOps.cast(DType.F32, i), List.of(i));
    return new PrimFunc("tiny", List.of(out), List.of(),
        new For(i, IrOps.i32(0), IrOps.i32(extent), parallel ? ForKind.PARALLEL : ForKind.SERIAL, body), Map.of());
  }
}
