package org.nnvm4j.tensor.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.*;

class VectorizeLoopTest {
  private final Var i = new Var("i", DType.I32);
  private final Var j = new Var("j", DType.I32);
  private final Var x = new Var("x", DType.F32);
  private final Buffer a = Buffer.of("A", DType.F32, List.of(IrOps.i32(64)));
  private final Buffer b = Buffer.of("B", DType.F32, List.of(IrOps.i32(64)));

  private static Expr c(long v) { return IrOps.i32(v); }

  private Stmt vloop(Var v, long n, Stmt body) { return new For(v, c(0), c(n), ForKind.VECTORIZED, body); }

  @Test
  void loopVarBecomesARampAndScalarsAreBroadcast() {
    // for i: vectorized for j in 4: B[i*8 + j] = A[i*8 + j] * x + A[i]
    Expr idx = new Add(new Mul(i, c(8)), j);
    Stmt body = new BufferStore(b, new Add(new Mul(new BufferLoad(a, List.of(idx)), x), new BufferLoad(a, List.of(i))),
        List.of(idx));
    Stmt before = new For(i, c(0), c(8), ForKind.SERIAL, vloop(j, 4, body));
    assertThat(TirPrinter.print(VectorizeLoop.apply(before))).isEqualTo("""
        for (i, 0, 8) {
          B[ramp((i * 8), 1, 4)] = ((A[ramp((i * 8), 1, 4)] * broadcast(x, 4)) + broadcast(A[i], 4))
        }
        """);
  }

  @Test
  void selectsStayLaneWiseAndStridedIndicesKeepTheirStride() {
    // vectorized for j in 4: B[j * 2] = select(j < 2, A[j], 0f)
    Stmt body = new BufferStore(b, new Select(new LT(j, c(2)), new BufferLoad(a, List.of(j)), IrOps.f32(0)),
        List.of(new Mul(j, c(2))));
    assertThat(TirPrinter.print(VectorizeLoop.apply(vloop(j, 4, body)))).isEqualTo("""
        B[ramp(0, 2, 4)] = select((ramp(0, 1, 4) < broadcast(2, 4)), A[ramp(0, 1, 4)], broadcast(0f, 4))
        """);
  }

  @Test
  void blockedLayoutIndicesStayContiguousWhenTheLanesFitOneBlock() {
    // for i: vectorized for j in 8: B[i*16 + j] = A[floordiv(i*16 + j + 8, 16) * 16 + floormod(i*16 + j + 8, 16)]
    Expr y = new Add(new Add(new Mul(i, c(16)), j), c(8));
    Expr idx = new Add(new Mul(new FloorDiv(y, c(16)), c(16)), new FloorMod(y, c(16)));
    Stmt body = new BufferStore(b, new BufferLoad(a, List.of(idx)), List.of(new Add(new Mul(i, c(16)), j)));
    assertThat(TirPrinter.print(VectorizeLoop.apply(new For(i, c(0), c(4), ForKind.SERIAL, vloop(j, 8, body))))).isEqualTo("""
        for (i, 0, 4) {
          B[ramp((i * 16), 1, 8)] = A[ramp(((i * 16) + 8), 1, 8)]
        }
        """);
    // lanes 4..11 of a block of 8 cross into the next block: the index stays lane-wise
    Expr z = new Add(new Add(new Mul(i, c(8)), j), c(4));
    Stmt crossing = new BufferStore(b, new BufferLoad(a, List.of(new FloorDiv(z, c(8)))), List.of(new Add(new Mul(i, c(8)), j)));
    assertThat(TirPrinter.print(VectorizeLoop.apply(vloop(j, 8, crossing)))).contains("floordiv(ramp(((i * 8) + 4), 1, 8), broadcast(8, 8))");
  }

  @Test
  void ifThenElseOfAScalarConditionTakesOneBranchForEveryLane() {
    // for i: vectorized for j in 4: B[i*4 + j] = if_then_else(i < 5, A[i*4 + j], 0f): the branches widen, the condition stays scalar
    Expr idx = new Add(new Mul(i, c(4)), j);
    Stmt body = new BufferStore(b, IrOps.ifThenElse(new LT(i, c(5)), new BufferLoad(a, List.of(idx)), IrOps.f32(0)), List.of(idx));
    assertThat(TirPrinter.print(VectorizeLoop.apply(new For(i, c(0), c(16), ForKind.SERIAL, vloop(j, 4, body))))).isEqualTo("""
        for (i, 0, 16) {
          B[ramp((i * 4), 1, 4)] = if_then_else((i < 5), A[ramp((i * 4), 1, 4)], broadcast(0f, 4))
        }
        """);
    // a condition that varies across the lanes cannot branch once: the loop stays serial
    Stmt lanewise = new BufferStore(b, IrOps.ifThenElse(new LT(j, c(2)), new BufferLoad(a, List.of(j)), IrOps.f32(0)), List.of(j));
    assertThat(TirPrinter.print(VectorizeLoop.apply(vloop(j, 4, lanewise)))).startsWith("for (j, 0, 4)");
  }

  @Test
  void aLetOfALaneVaryingValueBindsAVector() {
    // vectorized for j in 4: let t = A[j] * x in B[j] = t + t; a let of an invariant value stays scalar
    Var t = new Var("t", DType.F32);
    Var u = new Var("u", DType.F32);
    Stmt body = new LetStmt(u, new Mul(x, x), new LetStmt(t, new Mul(new BufferLoad(a, List.of(j)), x),
        new BufferStore(b, new Add(new Add(t, t), u), List.of(j))));
    assertThat(TirPrinter.print(VectorizeLoop.apply(vloop(j, 4, body)))).isEqualTo("""
        let u = (x * x)
        let t = (A[ramp(0, 1, 4)] * broadcast(x, 4))
        B[ramp(0, 1, 4)] = ((t + t) + broadcast(u, 4))
        """);
  }

  @Test
  void nestedLoopGuardAndInvariantStoreFallBackToSerial() {
    Stmt nested = vloop(i, 4, new For(j, c(0), c(4), ForKind.SERIAL,
        new BufferStore(b, IrOps.f32(1), List.of(new Add(new Mul(i, c(4)), j)))));
    Stmt guarded = vloop(i, 4, new IfThenElse(new LT(i, c(3)), new BufferStore(b, IrOps.f32(1), List.of(i)), null));
    Stmt invariant = vloop(i, 4, new BufferStore(b, new BufferLoad(a, List.of(i)), List.of(c(0))));
    for (Stmt s : List.of(nested, guarded, invariant)) {
      Stmt after = VectorizeLoop.apply(s);
      assertThat(after).isInstanceOfSatisfying(For.class, f -> {
        assertThat(f.kind()).isEqualTo(ForKind.SERIAL);
        assertThat(f.body()).isEqualTo(((For) s).body());
      });
    }
  }

  @Test
  void fallbackReasonGoesToTheDebugLog() {
    Logger log = Logger.getLogger(VectorizeLoop.class.getName());
    List<String> messages = new ArrayList<>();
    Handler h = new Handler() {
      @Override
      public void publish(LogRecord r) {
        messages.add(MessageFormat.format(r.getMessage(), r.getParameters()));
      }

      @Override public void flush() {}

      @Override public void close() {}
    };
    Level old = log.getLevel();
    log.setLevel(Level.FINE);
    log.addHandler(h);
    try {
      VectorizeLoop.apply(vloop(i, 4, new For(j, c(0), c(4), ForKind.SERIAL,
          new BufferStore(b, IrOps.f32(1), List.of(new Add(new Mul(i, c(4)), j))))));
    } finally {
      log.removeHandler(h);
      log.setLevel(old);
    }
    assertThat(messages).containsExactly("tir.vectorize-loop: loop i stays serial: the body has a nested loop over j");
  }

  @Test
  void unmarkedLoopsAreReturnedAsTheSameInstance() {
    Stmt s = new For(i, c(0), c(4), ForKind.SERIAL, new BufferStore(b, IrOps.f32(1), List.of(i)));
    assertThat(VectorizeLoop.apply(s)).isSameAs(s);
  }
}
