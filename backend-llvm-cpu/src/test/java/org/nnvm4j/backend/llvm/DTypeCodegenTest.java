package org.nnvm4j.backend.llvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.HostBuffer;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.PassContext;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;
import org.nnvm4j.tensor.interp.Interpreter;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * Differential test of the LLVM code generator: every dtype crossed with every operator, intrinsic
 * and cast, compiled in one module and compared with the interpreter. Integers must match exactly;
 * float arithmetic too (same IEEE operations in the same order); math intrinsics within 2 ulp of
 * float32 ({@code rtol 3e-7}) because libm and {@code java.lang.Math} may round differently.
 */
class DTypeCodegenTest {
  static final int N = 67; // not a multiple of any vector width
  static final List<DType> INTS = List.of(DType.I8, DType.I16, DType.I32, DType.I64, DType.U8, DType.U16, DType.U32, DType.U64);
  static final List<DType> FLOATS = List.of(DType.F16, DType.BF16, DType.F32, DType.F64);

  record Case(String name, DType in, DType out, PrimFunc func, boolean approx) {}

  static final List<Case> CASES = new ArrayList<>();
  static Module module;

  static void binary(String op, DType t, BinaryOperator<Expr> f) {
    Tensor a = Te.placeholder(Te.shape(N), t, "A");
    Tensor b = Te.placeholder(Te.shape(N), t, "B");
    Tensor c = Te.computeN(a.shape(), i -> f.apply(a.get(i), b.get(i)), "C", "", Map.of());
    String name = op + "_" + t;
    CASES.add(new Case(name, t, c.dtype(), Lower.lower(Schedule.create(c.op()), List.of(a, b, c), name), false));
  }

  static void unary(String op, DType t, DType outType, UnaryOperator<Expr> f, boolean approx) {
    Tensor a = Te.placeholder(Te.shape(N), t, "A");
    Tensor b = Te.placeholder(Te.shape(N), t, "B");
    Tensor c = Te.computeN(a.shape(), i -> IrOps.cast(outType, f.apply(IrOps.add(a.get(i), IrOps.mul(b.get(i), IrOps.zero(t))))),
        "C", "", Map.of());
    String name = op + "_" + t + "_" + outType;
    CASES.add(new Case(name, t, outType, Lower.lower(Schedule.create(c.op()), List.of(a, b, c), name), approx));
  }

  @BeforeAll
  static void compileAll() {
    List<DType> all = new ArrayList<>(INTS);
    all.addAll(FLOATS);
    for (DType t : all) {
      binary("add", t, IrOps::add);
      binary("sub", t, IrOps::sub);
      binary("mul", t, IrOps::mul);
      binary("div", t, IrOps::div);
      binary("min", t, IrOps::min);
      binary("max", t, IrOps::max);
      binary("lt", t, (x, y) -> IrOps.select(IrOps.lt(x, y), x, y));
      binary("eq", t, (x, y) -> IrOps.select(IrOps.eq(x, y), y, x));
      binary("ge_ne", t, (x, y) -> IrOps.select(IrOps.and(IrOps.ge(x, y), IrOps.ne(x, y)), x, IrOps.sub(y, x)));
      if (!t.isFloat()) {
        binary("mod", t, IrOps::mod);
        binary("floordiv", t, IrOps::floorDiv);
        binary("floormod", t, IrOps::floorMod);
      }
      for (DType to : all) {
        if (to.equals(t)) continue;
        // A negative float converted to an unsigned integer is undefined (C, TVM): convert max(x, 0).
        boolean clamp = t.isFloat() && to.isUInt();
        unary("cast", t, to, x -> clamp ? IrOps.max(x, IrOps.zero(x.dtype())) : x, false);
      }
      unary("castbool", t, DType.I32, x -> IrOps.cast(DType.I32, IrOps.cast(DType.BOOL, x)), false);
    }
    for (DType t : List.of(DType.F32, DType.F64)) {
      for (String fn : List.of("exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "erf", "fabs", "floor", "ceil", "round", "trunc",
          "sin", "cos")) {
        unary(fn, t, t, x -> IrOps.call(t, fn, fn.equals("log") || fn.contains("sqrt") ? IrOps.call(t, "fabs", x) : x), true);
      }
      binary("pow", t, (x, y) -> IrOps.call(t, "pow", IrOps.call(t, "fabs", x), y));
      binary("fmod", t, (x, y) -> IrOps.call(t, "fmod", x, y));
    }
    LlvmBackend backend = (LlvmBackend) new LlvmBackendProvider().create(Target.of("llvm"));
    module = backend.codegen(CASES.stream().map(Case::func).toList(), PassContext.defaults());
  }

  @AfterAll
  static void close() { module.close(); }

  /** Values that keep every operation defined: no zero divisors, no signed overflow of 32/64-bit ints, casts in range. */
  static NDArray inputs(DType t, long seed, boolean divisor) {
    Random r = new Random(seed);
    NDArray a = NDArray.allocate(t, Shape.of(N));
    for (int i = 0; i < N; i++) {
      double v = t.isFloat() ? (r.nextInt(2001) - 1000) / 8.0 : t.isUInt() ? r.nextInt(120) : r.nextInt(240) - 120;
      if (i % 13 == 0 && !t.isUInt()) v = -v;
      if (divisor && v == 0) v = 3;
      a.setDouble(i, v);
    }
    return a;
  }

  @TestFactory
  Stream<DynamicTest> everyCaseMatchesTheInterpreter() {
    return CASES.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
      try (NDArray a = inputs(c.in(), 1, false); NDArray b = inputs(c.in(), 2, true);
           NDArray want = NDArray.allocate(c.out(), Shape.of(N))) {
        Interpreter.run(c.func(), List.of(a, b, want));
        DeviceBuffer da = copy(a), db = copy(b);
        HostBuffer dc = new HostBuffer(CpuRuntime.CPU, want.byteSize());
        module.function(c.name()).call(List.of(da, db, dc), new long[0]);
        try (NDArray got = NDArray.wrap(c.out(), Shape.of(N), dc.segment())) {
          for (int i = 0; i < N; i++) {
            double g = got.getDouble(i);
            double w = want.getDouble(i);
            if (c.approx()) {
              if (g == w) continue;
              assertThat(Math.abs(g - w)).as("%s[%d]: %s vs %s", c.name(), i, g, w).isLessThanOrEqualTo(3e-7 * Math.abs(w) + 1e-30);
            } else if (c.out().isFloat()) assertThat(g).as("%s[%d]", c.name(), i).isEqualTo(w);
            else assertThat(got.getLong(i)).as("%s[%d]", c.name(), i).isEqualTo(want.getLong(i));
          }
        }
      }
    }));
  }

  static DeviceBuffer copy(NDArray a) {
    HostBuffer h = new HostBuffer(CpuRuntime.CPU, a.byteSize());
    MemorySegment.copy(a.segment(), 0, h.segment(), 0, a.byteSize());
    return h;
  }
}
