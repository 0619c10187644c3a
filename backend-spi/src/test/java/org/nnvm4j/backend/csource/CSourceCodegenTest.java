package org.nnvm4j.backend.csource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.AssertStmt;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.Call;
import org.nnvm4j.tensor.tir.Evaluate;
import org.nnvm4j.tensor.tir.FloatImm;
import org.nnvm4j.tensor.tir.For;
import org.nnvm4j.tensor.tir.ForKind;
import org.nnvm4j.tensor.tir.IfThenElse;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Let;
import org.nnvm4j.tensor.tir.LetStmt;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StringImm;
import org.nnvm4j.tensor.tir.Var;

/** The C printed by the base codegen with only the four required hooks given (a CUDA-like test dialect). */
class CSourceCodegenTest {
  /** The smallest dialect: every other hook keeps its C default. */
  private static final class TestDialect extends CSourceCodegen {
    @Override protected String kernelQualifier() { return "extern \"C\" __global__ "; }

    @Override protected String addressSpace(String scope) { return scope.equals("shared") ? "__shared__ " : ""; }

    @Override protected String threadIndex(String tag) { return tag; }

    @Override protected String barrier(String scope) { return "__syncthreads();"; }
  }

  private final Var n = new Var("n", DType.I32);
  private final Buffer a = Buffer.of("A", DType.F32, List.of(n));
  private final Buffer out = Buffer.of("out", DType.I64, List.of(n));
  private final Var tx = new Var("tx", DType.I32);

  private PrimFunc func(Stmt inner) {
    return new PrimFunc("k", List.of(a, out), List.of(n),
        new For(tx, IrOps.i32(0), IrOps.i32(32), ForKind.THREAD_BINDING, "threadIdx.x", inner), Map.of());
  }

  @Test
  void everyStatementKindPrintsAsCAndReservedNamesAreRenamed() {
    // the shared array is declared at the top of the kernel, where OpenCL C requires it
    Buffer tile = new Buffer("tile", DType.F32, List.of(IrOps.i32(32)), "shared");
    Var j = new Var("j", DType.I32);
    Var t = new Var("t", DType.I32);
    Var half = new Var("half", DType.F32);
    Stmt body = SeqStmt.of(List.of(
        new BufferStore(tile, new BufferLoad(a, List.of(tx)), List.of(tx)),
        new Evaluate(new Call(DType.I32, CSourceCodegen.STORAGE_SYNC, List.of(new StringImm("shared")))),
        new LetStmt(t, IrOps.floorDiv(tx, IrOps.i32(-3)), new For(j, IrOps.i32(0), IrOps.i32(4), ForKind.UNROLLED,
            new IfThenElse(IrOps.lt(j, t),
                new BufferStore(out, IrOps.cast(DType.I64, new Let(half, IrOps.mul(new BufferLoad(tile, List.of(j)),
                    IrOps.f32(0.5)), IrOps.call(DType.F32, "sqrt", half))), List.of(tx)),
                new BufferStore(out, IrOps.i64(-5), List.of(tx)))))));
    PrimFunc f = func(new Allocate(tile, body));
    String src = new TestDialect().generate(KernelSplit.split(f));
    assertThat(src).isEqualTo("""
        extern "C" __global__ void k_kernel0(float* restrict A, int64_t* restrict out, int32_t n) {
          __shared__ float tile[32];
          int32_t tx = threadIdx.x;
          tile[tx] = A[tx];
          __syncthreads();
          int32_t t = ((tx / (-3)) - (((tx % (-3)) != 0) && ((tx < 0) != ((-3) < 0))));
          #pragma unroll
          for (int32_t j = 0; j < 4; ++j) {
            if ((j < t)) {
              float v_half = (tile[j] * 0.5f);
              out[tx] = ((int64_t)sqrtf(v_half));
            } else {
              out[tx] = (-5L);
            }
          }
        }

        """);
  }

  @Test
  void floorDivisionOfNonNegativeIndicesIsCDivision() {
    // tx is a thread index (from 0), n a shape var: their floordiv/floormod by 5 are C's / and %; tx - 3 may be negative
    Var m = Var.sizeVar("m", DType.I32);
    org.nnvm4j.tensor.tir.Expr sum = IrOps.add(new org.nnvm4j.tensor.tir.FloorDiv(IrOps.add(tx, m), IrOps.i32(5)), new org.nnvm4j.tensor.tir.FloorMod(IrOps.mul(tx, IrOps.i32(3)), IrOps.i32(5)));
    org.nnvm4j.tensor.tir.Expr neg = new org.nnvm4j.tensor.tir.FloorDiv(IrOps.sub(tx, IrOps.i32(3)), IrOps.i32(5));
    PrimFunc f = new PrimFunc("k", List.of(a, out), List.of(m),
        new For(tx, IrOps.i32(0), IrOps.i32(32), ForKind.THREAD_BINDING, "threadIdx.x",
            new BufferStore(out, IrOps.cast(DType.I64, IrOps.add(sum, neg)), List.of(tx))), Map.of());
    assertThat(new TestDialect().generate(KernelSplit.split(f)))
        .contains("(((tx + m) / 5) + ((tx * 3) % 5))")
        .contains("(((tx - 3) / 5) - ((((tx - 3) % 5) != 0) && (((tx - 3) < 0) != (5 < 0))))");
  }

  @Test
  void specialFloatsUseTheMathMacros() {
    PrimFunc f = func(new BufferStore(out, new org.nnvm4j.tensor.tir.Cast(DType.I64, new org.nnvm4j.tensor.tir.Add(
        new FloatImm(DType.F32, Double.NaN), new FloatImm(DType.F32, Double.NEGATIVE_INFINITY))), List.of(tx)));
    assertThat(new TestDialect().generate(KernelSplit.split(f))).contains("((int64_t)(NAN + (-INFINITY)))");
  }

  @Test
  void popcountIfThenElseAndExternCallsPrintAsC() {
    Buffer bytes = Buffer.of("Bytes", DType.U8, List.of(n));
    // out[tx] = popcount(int64(tx)) + int64(popcount(Bytes[tx])) + if_then_else(tx < n - 1, int64(A[tx + 1]), 0)
    Stmt body = SeqStmt.of(new BufferStore(out, IrOps.add(IrOps.add(IrOps.popcount(IrOps.cast(DType.I64, tx)),
        IrOps.cast(DType.I64, IrOps.popcount(new BufferLoad(bytes, List.of(tx))))),
        IrOps.ifThenElse(IrOps.lt(tx, IrOps.sub(n, IrOps.i32(1))), IrOps.cast(DType.I64,
            new BufferLoad(a, List.of(IrOps.add(tx, IrOps.i32(1))))), IrOps.i64(0))), List.of(tx)),
        new Evaluate(IrOps.callExtern(DType.HANDLE, "memset", IrOps.addressOf(new BufferLoad(a, List.of(tx))), IrOps.i32(0),
            IrOps.i64(4))));
    PrimFunc f = new PrimFunc("k", List.of(a, out, bytes), List.of(n),
        new For(tx, IrOps.i32(0), IrOps.i32(32), ForKind.THREAD_BINDING, "threadIdx.x", body), Map.of());
    assertThat(new TestDialect().generate(KernelSplit.split(f)))
        .contains("((int64_t)__builtin_popcountll((unsigned long long)(uint64_t)(((int64_t)tx))))")
        .contains("((uint8_t)__builtin_popcount((unsigned int)(uint8_t)(Bytes[tx])))")
        .contains("((tx < (n - 1)) ? ((int64_t)A[(tx + 1)]) : 0L)")
        .contains("memset((&A[tx]), 0, 4L);");
    Var v = new Var("v", DType.I64);
    PrimFunc eager = func(new BufferStore(out, IrOps.ifThenElse(IrOps.lt(tx, n), new Let(v, IrOps.cast(DType.I64,
        new BufferLoad(a, List.of(tx))), v), IrOps.i64(0)), List.of(tx)));
    assertThatThrownBy(() -> new TestDialect().generate(KernelSplit.split(eager))).isInstanceOf(CompileException.class)
        .hasMessageContaining("a let inside a branch of if_then_else");
  }

  @Test
  void vectorsAndAssertionsAreRejectedByPlainC() {
    PrimFunc vec = func(new BufferStore(a, new BufferLoad(a, List.of(new org.nnvm4j.tensor.tir.Ramp(tx, IrOps.i32(1), 4))),
        List.of(new org.nnvm4j.tensor.tir.Ramp(tx, IrOps.i32(1), 4))));
    assertThatThrownBy(() -> new TestDialect().generate(KernelSplit.split(vec))).isInstanceOf(CompileException.class)
        .hasMessageContaining("C source codegen does not support vector load in C source");
    PrimFunc asserting = func(new AssertStmt(IrOps.lt(tx, n), "tx in range", new Evaluate(IrOps.i32(0))));
    assertThatThrownBy(() -> new TestDialect().generate(KernelSplit.split(asserting))).isInstanceOf(CompileException.class)
        .hasMessageContaining("assertion 'tx in range' inside a device kernel");
  }
}
