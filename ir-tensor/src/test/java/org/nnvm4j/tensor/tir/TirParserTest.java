package org.nnvm4j.tensor.tir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.schedule.Lower;
import org.nnvm4j.tensor.schedule.Schedule;
import org.nnvm4j.tensor.schedule.Stage;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;

/** {@link TirParser} reads back what {@link TirPrinter} writes: {@code parse(print(f))} is structurally {@code f}. */
class TirParserTest {
  private static void assertRoundTrip(PrimFunc f) {
    String text = TirPrinter.print(f);
    PrimFunc back = TirParser.parse(text);
    assertThat(StructuralEqual.equal(f, back)).as("parse(print(f)) structurally equal to f for%n%s", text).isTrue();
    assertThat(TirPrinter.print(back)).isEqualTo(text);
  }

  /**
   * A random lowered program: T = A * 3 + 1, B = T * T, R[i] = sum_j B[i, j] over an m x n input (n symbolic
   * or constant), with a random mix of split, tile, fuse, vectorize, parallel, unroll, computeAt,
   * computeInline, cacheWrite, storageAlign and pragma, lowered through the whole TIR pipeline.
   */
  @Property(tries = 150)
  void parseOfPrintIsStructurallyTheSameProgram(@ForAll @IntRange(min = 1, max = 6) int m,
      @ForAll @IntRange(min = 1, max = 9) int n, @ForAll boolean symbolic, @ForAll @IntRange(min = 0, max = 5) int tStage,
      @ForAll @IntRange(min = 0, max = 4) int bStage, @ForAll @IntRange(min = 1, max = 4) int factor,
      @ForAll boolean cache, @ForAll boolean intType) {
    DType t = intType ? DType.I32 : DType.F32;
    Expr cols = symbolic ? Te.var("n") : IrOps.i32(n);
    Tensor a = Te.placeholder(List.of(IrOps.i32(m), cols), t, "A");
    Tensor tt = Te.compute(a.shape(), (i, j) -> IrOps.add(IrOps.mul(a.get(i, j), IrOps.constant(t, 3)), IrOps.one(t)), "T");
    Tensor b = Te.compute(a.shape(), (i, j) -> IrOps.mul(tt.get(i, j), tt.get(i, j)), "B");
    IterVar k = Te.reduceAxis(cols, "k");
    Tensor r = Te.compute(List.of(IrOps.i32(m)), i -> Te.sum(b.get(i, k.var()), k), "R");
    Schedule s = Schedule.create(r.op());
    Stage bs = s.get(b);
    Stage ts = s.get(tt);
    IterVar[] bj = bs.split(bs.axis().get(1), factor);
    switch (bStage) {
      case 1 -> bs.vectorize(bj[1]);
      case 2 -> bs.parallel(bs.axis().get(0)).unroll(bj[1]);
      case 3 -> bs.fuse(bs.axis().get(0), bj[0]);
      case 4 -> bs.pragma(bs.axis().get(0), "auto_unroll_max_step", IrOps.i32(8));
      default -> { }
    }
    switch (tStage) {
      case 1 -> ts.computeInline();
      case 2 -> ts.computeAt(bs, bs.leafIterVars().get(0));
      case 3 -> ts.computeAt(bs, bs.leafIterVars().get(bs.leafIterVars().size() - 1));
      case 4 -> {
        if (!symbolic) ts.storageAlign(ts.axis().get(0), 4, 1);
      }
      case 5 -> ts.tile(ts.axis().get(0), ts.axis().get(1), 2, factor);
      default -> { }
    }
    if (cache) {
      Tensor rl = s.cacheWrite(r, "local");
      s.get(rl).split(k, factor);
    }
    assertRoundTrip(Lower.lower(s, List.of(a, r), "random"));
  }

  @Test
  void everyGoldenLoweringReadsBackToTheSameText() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("src/test/resources/golden"))) {
      List<Path> tir = files.filter(p -> p.toString().endsWith(".tir")).sorted().toList();
      assertThat(tir).isNotEmpty();
      for (Path p : tir) {
        String text = Files.readString(p);
        assertThat(TirPrinter.print(TirParser.parse(text))).as(p.toString()).isEqualTo(text);
      }
    }
  }

  @Test
  void readsStatementsAndExpressionsTheLoweringNeverWrites() {
    String text = """
        primfn f(X: Buffer(int64, [4]), n: int32) {
          let c = (let d = 2 in (d * 3))
          assert((c > 0), "c positive")
          // attr [X] storage_alignment = 64
          launch_thread (threadIdx.x: tx, 0, 4) {
            if (!(tx >= n)) {
              X[tx] = int64(max(floormod(tx, c), min(c, -3)))
            } else {
              X[tx] = select(((tx == 1) || (tx != 2)), 5i64, -7i64)
            }
            exp(1.5f)
          }
        }
        """;
    assertThat(TirPrinter.print(TirParser.parse(text))).isEqualTo(text);
  }

  @Test
  void errorsNameTheTokenAndWhatWasExpected() {
    assertThatThrownBy(() -> TirParser.parse("primfn f() {\n  for (i, 0, 4) {\n    Q[i] = 1\n  }\n}\n"))
        .isInstanceOf(CompileException.class).hasMessageContaining("unknown buffer 'Q'");
    assertThatThrownBy(() -> TirParser.parse("primfn f() { for (i, 0 4) { } }"))
        .isInstanceOf(CompileException.class).hasMessageContaining("expected ','").hasMessageContaining("near");
    assertThatThrownBy(() -> TirParser.parse("primfn f() { # }")).isInstanceOf(CompileException.class)
        .hasMessageContaining("cannot read the text");
  }
}
