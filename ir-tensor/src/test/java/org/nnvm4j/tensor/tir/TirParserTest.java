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
import org.nnvm4j.tensor.schedule.RandomSchedules;

/** {@link TirParser} reads back what {@link TirPrinter} writes: {@code parse(print(f))} is structurally {@code f}. */
class TirParserTest {
  private static void assertRoundTrip(PrimFunc f) {
    String text = TirPrinter.print(f);
    PrimFunc back = TirParser.parse(text);
    assertThat(StructuralEqual.equal(f, back)).as("parse(print(f)) structurally equal to f for%n%s", text).isTrue();
    assertThat(TirPrinter.print(back)).isEqualTo(text);
  }

  /** A random scheduled program ({@link RandomSchedules}) lowered through the whole TIR pipeline. */
  @Property(tries = 150)
  void parseOfPrintIsStructurallyTheSameProgram(@ForAll @IntRange(min = 1, max = 6) int m,
      @ForAll @IntRange(min = 1, max = 9) int n, @ForAll boolean symbolic, @ForAll @IntRange(min = 0, max = 5) int tStage,
      @ForAll @IntRange(min = 0, max = 4) int bStage, @ForAll @IntRange(min = 1, max = 4) int factor,
      @ForAll boolean cache, @ForAll boolean intType) {
    RandomSchedules.Program p = RandomSchedules.build(m, n, symbolic, tStage, bStage, factor, cache,
        intType ? DType.I32 : DType.F32);
    assertRoundTrip(Lower.lower(p.schedule(), p.args(), "random"));
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
  void ifThenElseTakesTheTypeOfItsBranches() throws IOException {
    PrimFunc f = TirParser.parse(Files.readString(Path.of("src/test/resources/golden/if-then-else.tir")));
    java.util.List<Call> calls = new java.util.ArrayList<>();
    new StmtExprVisitor() {
      @Override
      public void visit(Expr e) {
        if (e instanceof Call c) calls.add(c);
        super.visit(e);
      }
    }.visit(f.body());
    assertThat(calls).singleElement().satisfies(c -> {
      assertThat(c.op()).isEqualTo(Intrinsics.IF_THEN_ELSE);
      assertThat(c.dtype()).isEqualTo(org.nnvm4j.tensor.DType.F32); // its first argument is the bool condition
    });
    assertThatThrownBy(() -> TirParser.parse("primfn f(A: Buffer(float32, [2])) {\n  A[0] = if_then_else((1 < 2), 1f)\n}\n"))
        .isInstanceOf(CompileException.class).hasMessageContaining("if_then_else takes 3 arguments, got 2");
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
