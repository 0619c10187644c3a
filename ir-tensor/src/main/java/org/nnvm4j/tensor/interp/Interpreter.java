package org.nnvm4j.tensor.interp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.tensor.BFloat16;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.tir.*;

/**
 * Executes a lowered (flattened) {@link PrimFunc} in Java with TVM's semantics: integer arithmetic
 * wraps at the dtype's width, division and modulo truncate (C) or floor (the floor variants), float32
 * arithmetic is rounded to float after every operation. Slow and exact: the reference every backend is
 * compared with. A value is a {@code long[]} (integers, bools) or {@code double[]} (floats) with one
 * element per lane.
 */
public final class Interpreter {
  private final Map<Var, Object> env = new IdentityHashMap<>();
  private final Map<Buffer, MemorySegment> memory = new IdentityHashMap<>();

  private Interpreter() {}

  /**
   * Runs {@code f} on {@code args} (one array per buffer parameter, in order). Scalar parameters are
   * bound from the arrays' shapes; a mismatch throws {@link CompileException}.
   */
  public static void run(PrimFunc f, List<NDArray> args) { run(f, args, null); }

  /**
   * Runs {@code f} with the scalar parameters given explicitly ({@code scalars[i]} for
   * {@code f.scalarParams().get(i)}), for scalars that are not buffer dimensions; null derives them
   * from the arrays' shapes.
   */
  public static void run(PrimFunc f, List<NDArray> args, long[] scalars) {
    Interpreter in = new Interpreter();
    if (scalars != null) {
      if (scalars.length != f.scalarParams().size()) {
        throw CompileException.invalid("%s takes %d scalars, %d given", f.name(), f.scalarParams().size(), scalars.length);
      }
      for (int i = 0; i < scalars.length; i++) in.env.put(f.scalarParams().get(i), new long[] {scalars[i]});
    }
    if (args.size() != f.buffers().size()) {
      throw CompileException.invalid("%s takes %d arrays, %d given", f.name(), f.buffers().size(), args.size());
    }
    Map<Var, Long> shapeVars = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      Buffer b = f.buffers().get(i);
      NDArray a = args.get(i);
      if (!a.dtype().equals(b.dtype()) || a.shape().rank() != b.shape().size()) {
        throw CompileException.invalid("%s: argument %d (%s) is %s %s, expected %s of rank %d", f.name(), i, b.name(),
            a.dtype(), a.shape(), b.dtype(), b.shape().size());
      }
      for (int d = 0; d < b.shape().size(); d++) {
        Expr dim = b.shape().get(d);
        long actual = a.shape().dim(d);
        if (dim instanceof Var v) {
          Long prev = shapeVars.putIfAbsent(v, actual);
          if (prev != null && prev != actual) {
            throw CompileException.invalid("%s: %s is %d from one argument and %d from %s", f.name(), v.name(), prev,
                actual, b.name());
          }
          in.env.put(v, new long[] {actual});
        }
      }
      in.memory.put(b, a.segment());
    }
    for (int i = 0; i < args.size(); i++) {
      Buffer b = f.buffers().get(i);
      for (int d = 0; d < b.shape().size(); d++) {
        long expect = in.scalarLong(in.eval(b.shape().get(d)));
        if (expect != args.get(i).shape().dim(d)) {
          throw CompileException.invalid("%s: argument %s has dimension %d = %d, expected %d", f.name(), b.name(), d,
              args.get(i).shape().dim(d), expect);
        }
      }
    }
    try (Arena scratch = Arena.ofConfined()) {
      in.exec(f.body(), scratch);
    }
  }

  private void exec(Stmt s, Arena scratch) {
    switch (s) {
      case LetStmt n -> {
        env.put(n.var(), eval(n.value()));
        exec(n.body(), scratch);
      }
      case AttrStmt n -> exec(n.body(), scratch);
      case AssertStmt n -> {
        if (scalarLong(eval(n.condition())) == 0) throw new IllegalStateException("assertion failed: " + n.message());
        exec(n.body(), scratch);
      }
      case For n -> {
        long min = scalarLong(eval(n.min()));
        long ext = scalarLong(eval(n.extent()));
        for (long i = min; i < min + ext; i++) {
          env.put(n.loopVar(), new long[] {i});
          exec(n.body(), scratch);
        }
      }
      case IfThenElse n -> {
        if (scalarLong(eval(n.condition())) != 0) exec(n.thenCase(), scratch);
        else if (n.elseCase() != null) exec(n.elseCase(), scratch);
      }
      case SeqStmt n -> n.seq().forEach(x -> exec(x, scratch));
      case BufferStore n -> store(n.buffer(), flat(n.indices()), eval(n.value()));
      case Allocate n -> {
        long count = 1;
        for (Expr d : n.buffer().shape()) count *= scalarLong(eval(d));
        memory.put(n.buffer(), scratch.allocate(Math.max(1, count * n.buffer().dtype().bytes()), 64));
        exec(n.body(), scratch);
      }
      case Evaluate n -> {
        // a barrier orders the threads of a block; run one after another, they need none
        if (!(n.value() instanceof Call c && c.op().equals(Intrinsics.STORAGE_SYNC))) eval(n.value());
      }
    }
  }

  private Expr flat(List<Expr> indices) {
    InternalCompilerError.check(indices.size() == 1, "interpreter needs flattened buffer accesses; run tir.flatten-storage");
    return indices.get(0);
  }

  Object eval(Expr e) {
    return switch (e) {
      case IntImm n -> new long[] {n.value()};
      case FloatImm n -> new double[] {n.value()};
      case StringImm n -> throw new InternalCompilerError("string value in arithmetic: " + n.value());
      case Var n -> {
        Object v = env.get(n);
        if (v == null) throw new InternalCompilerError("unbound var " + n.name());
        yield v;
      }
      case Cast n -> cast(eval(n.value()), n.value().dtype(), n.dtype());
      case BinaryExpr n -> Arith.binary(n, eval(n.a()), eval(n.b()));
      case Not n -> {
        long[] a = (long[]) eval(n.a());
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i] == 0 ? 1 : 0;
        yield r;
      }
      case Select n -> {
        long[] c = (long[]) eval(n.condition());
        Object t = eval(n.trueValue());
        Object f = eval(n.falseValue());
        yield Arith.select(c, t, f);
      }
      case BufferLoad n -> load(n.buffer(), flat(n.indices()), n.dtype());
      case ProducerLoad n -> throw new InternalCompilerError("interpreter reached a tensor load of " + n.producer().name());
      case Ramp n -> {
        long base = scalarLong(eval(n.base()));
        long stride = scalarLong(eval(n.stride()));
        long[] r = new long[n.lanes()];
        for (int i = 0; i < r.length; i++) r[i] = IrOps.wrap(n.dtype(), base + i * stride);
        yield r;
      }
      case Broadcast n -> Arith.broadcast(eval(n.value()), n.lanes());
      case Call n -> {
        if (Intrinsics.isIfThenElse(n)) yield eval(n.args().get(scalarLong(eval(n.args().get(0))) != 0 ? 1 : 2)); // lazy
        if (n.op().equals(Intrinsics.CALL_EXTERN) || n.op().equals(Intrinsics.ADDRESS_OF)) {
          throw new CompileException(ErrorCode.UNSUPPORTED, Span.NONE, "the interpreter cannot run " + n.op() + " ("
              + TirPrinter.print(n) + "): external functions run on native backends only");
        }
        yield Arith.call(n, n.args().stream().map(this::eval).toList());
      }
      case Let n -> {
        env.put(n.var(), eval(n.value()));
        yield eval(n.body());
      }
      case Reduce n -> throw new InternalCompilerError("interpreter reached an unlowered reduction");
    };
  }

  long scalarLong(Object v) {
    if (v instanceof long[] l && l.length == 1) return l[0];
    throw new InternalCompilerError("expected a scalar integer");
  }

  private Object load(Buffer b, Expr index, DType t) {
    MemorySegment m = memory.get(b);
    if (m == null) throw new InternalCompilerError("buffer " + b.name() + " is not allocated here");
    long[] idx = index.dtype().lanes() == 1 ? new long[] {scalarLong(eval(index))} : (long[]) eval(index);
    DType el = b.dtype();
    if (el.isFloat()) {
      double[] r = new double[idx.length];
      for (int i = 0; i < idx.length; i++) r[i] = Memory.getFloat(m, el, check(b, m, idx[i]));
      return r;
    }
    long[] r = new long[idx.length];
    for (int i = 0; i < idx.length; i++) r[i] = Memory.getInt(m, el, check(b, m, idx[i]));
    return r;
  }

  private void store(Buffer b, Expr index, Object value) {
    MemorySegment m = memory.get(b);
    if (m == null) throw new InternalCompilerError("buffer " + b.name() + " is not allocated here");
    long[] idx = index.dtype().lanes() == 1 ? new long[] {scalarLong(eval(index))} : (long[]) eval(index);
    DType el = b.dtype();
    for (int i = 0; i < idx.length; i++) {
      long at = check(b, m, idx[i]);
      if (value instanceof double[] d) Memory.putFloat(m, el, at, d[idx.length == 1 ? 0 : i]);
      else Memory.putInt(m, el, at, ((long[]) value)[idx.length == 1 ? 0 : i]);
    }
  }

  private static long check(Buffer b, MemorySegment m, long i) {
    if (i < 0 || (i + 1) * b.dtype().bytes() > m.byteSize()) {
      throw new InternalCompilerError("out-of-bounds access " + b.name() + "[" + i + "] (" + m.byteSize() / b.dtype().bytes()
          + " elements)");
    }
    return i;
  }

  private static Object cast(Object v, DType from, DType to) {
    if (v instanceof double[] d) {
      if (to.isFloat()) {
        double[] r = new double[d.length];
        for (int i = 0; i < d.length; i++) r[i] = castFloat(to, d[i]);
        return r;
      }
      long[] r = new long[d.length];
      for (int i = 0; i < d.length; i++) r[i] = to.isBool() ? (d[i] != 0 ? 1 : 0) : IrOps.wrap(to, (long) d[i]);
      return r;
    }
    long[] l = (long[]) v;
    if (to.isFloat()) {
      double[] r = new double[l.length];
      for (int i = 0; i < l.length; i++) {
        double x = from.isUInt() && from.bits() == 64 ? Arith.unsignedToDouble(l[i]) : l[i];
        r[i] = castFloat(to, x);
      }
      return r;
    }
    long[] r = new long[l.length];
    for (int i = 0; i < l.length; i++) r[i] = to.isBool() ? (l[i] != 0 ? 1 : 0) : IrOps.wrap(to, l[i]);
    return r;
  }

  /** {@code v} converted to float dtype {@code to}: rounded to its precision (bfloat16 included). */
  private static double castFloat(DType to, double v) {
    return to.code() == DType.Code.BFLOAT ? BFloat16.round(v) : Arith.round(to, v);
  }

  /** Raw element access by dtype. */
  static final class Memory {
    private Memory() {}

    static double getFloat(MemorySegment m, DType t, long i) {
      return switch (t.bits()) {
        case 16 -> t.code() == DType.Code.BFLOAT
            ? BFloat16.fromBits(m.getAtIndex(ValueLayout.JAVA_SHORT, i))
            : Float.float16ToFloat(m.getAtIndex(ValueLayout.JAVA_SHORT, i));
        case 32 -> m.getAtIndex(ValueLayout.JAVA_FLOAT, i);
        default -> m.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
      };
    }

    static void putFloat(MemorySegment m, DType t, long i, double v) {
      switch (t.bits()) {
        case 16 -> m.setAtIndex(ValueLayout.JAVA_SHORT, i, t.code() == DType.Code.BFLOAT
            ? BFloat16.toBits((float) v) : Float.floatToFloat16((float) v));
        case 32 -> m.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
        default -> m.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
      }
    }

    static long getInt(MemorySegment m, DType t, long i) {
      long raw = switch (t.bits()) {
        case 1, 8 -> m.get(ValueLayout.JAVA_BYTE, i);
        case 16 -> m.getAtIndex(ValueLayout.JAVA_SHORT, i);
        case 32 -> m.getAtIndex(ValueLayout.JAVA_INT, i);
        default -> m.getAtIndex(ValueLayout.JAVA_LONG, i);
      };
      return t.isBool() ? (raw != 0 ? 1 : 0) : IrOps.wrap(t, raw);
    }

    static void putInt(MemorySegment m, DType t, long i, long v) {
      switch (t.bits()) {
        case 1, 8 -> m.set(ValueLayout.JAVA_BYTE, i, (byte) v);
        case 16 -> m.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) v);
        case 32 -> m.setAtIndex(ValueLayout.JAVA_INT, i, (int) v);
        default -> m.setAtIndex(ValueLayout.JAVA_LONG, i, v);
      }
    }
  }
}
