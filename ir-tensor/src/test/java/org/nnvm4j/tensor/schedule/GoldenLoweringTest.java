package org.nnvm4j.tensor.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.te.Te;
import org.nnvm4j.tensor.te.Tensor;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.IterVar;
import org.nnvm4j.tensor.tir.TirPrinter;

/**
 * The lowered text ({@link TirPrinter}, after the default TIR pipeline) of one small program per schedule
 * primitive, compared with {@code src/test/resources/golden/<case>.tir}. Run with
 * {@code -Dnnvm4j.updateGolden=true} to rewrite the files from the actual output (then review the diff).
 */
class GoldenLoweringTest {
  private static Map<String, Supplier<String>> cases() {
    Map<String, Supplier<String>> c = new LinkedHashMap<>();
    c.put("split", () -> {
      Tensor a = Te.placeholder(Te.shape(10), DType.F32, "A");
      Tensor b = Te.compute(a.shape(), i -> IrOps.mul(a.get(i), IrOps.f32(2)), "B");
      Schedule s = Schedule.create(b.op());
      s.get(b).split(s.get(b).axis().get(0), 4);
      return lower(s, a, b);
    });
    c.put("tile", () -> {
      Tensor a = Te.placeholder(Te.shape(8, 6), DType.F32, "A");
      Tensor b = Te.compute(a.shape(), (i, j) -> IrOps.add(a.get(i, j), IrOps.f32(1)), "B");
      Schedule s = Schedule.create(b.op());
      Stage st = s.get(b);
      st.tile(st.axis().get(0), st.axis().get(1), 4, 3);
      return lower(s, a, b);
    });
    c.put("fuse", () -> {
      Tensor a = Te.placeholder(Te.shape(4, 5), DType.F32, "A");
      Tensor b = Te.compute(a.shape(), (i, j) -> IrOps.add(a.get(i, j), IrOps.f32(1)), "B");
      Schedule s = Schedule.create(b.op());
      Stage st = s.get(b);
      st.fuse(st.axis().get(0), st.axis().get(1));
      return lower(s, a, b);
    });
    c.put("reorder", () -> {
      Tensor a = Te.placeholder(Te.shape(4, 5), DType.F32, "A");
      Tensor b = Te.compute(Te.shape(5, 4), (i, j) -> a.get(j, i), "B");
      Schedule s = Schedule.create(b.op());
      Stage st = s.get(b);
      st.reorder(st.axis().get(1), st.axis().get(0));
      return lower(s, a, b);
    });
    c.put("compute-inline", () -> {
      Tensor a = Te.placeholder(Te.shape(6), DType.F32, "A");
      Tensor t = Te.compute(a.shape(), i -> IrOps.add(a.get(i), IrOps.f32(1)), "T");
      Tensor b = Te.compute(a.shape(), i -> IrOps.mul(t.get(i), t.get(i)), "B");
      Schedule s = Schedule.create(b.op());
      s.get(t).computeInline();
      return lower(s, a, b);
    });
    c.put("compute-root", () -> {
      Tensor a = Te.placeholder(Te.shape(6), DType.F32, "A");
      Tensor t = Te.compute(a.shape(), i -> IrOps.add(a.get(i), IrOps.f32(1)), "T");
      Tensor b = Te.compute(a.shape(), i -> IrOps.mul(t.get(i), t.get(i)), "B");
      return lower(Schedule.create(b.op()), a, b);
    });
    c.put("reduction", () -> {
      Tensor a = Te.placeholder(Te.shape(4, 10), DType.F32, "A");
      Tensor w = Te.placeholder(Te.shape(10, 3), DType.F32, "W");
      IterVar k = Te.reduceAxis(10, "k");
      Tensor y = Te.compute(Te.shape(4, 3), (i, j) -> Te.sum(IrOps.mul(a.get(i, k.var()), w.get(k.var(), j)), k), "Y");
      Schedule s = Schedule.create(y.op());
      Stage st = s.get(y);
      IterVar[] ks = st.split(k, 4);
      st.reorder(st.axis().get(0), ks[0], st.axis().get(1), ks[1]);
      return lower(s, a, w, y);
    });
    c.put("vectorize-parallel", () -> {
      Tensor a = Te.placeholder(Te.shape(4, 8), DType.F32, "A");
      Tensor b = Te.compute(a.shape(), (i, j) -> IrOps.mul(a.get(i, j), a.get(i, j)), "B");
      Schedule s = Schedule.create(b.op());
      Stage st = s.get(b);
      IterVar[] js = st.split(st.axis().get(1), 4);
      st.parallel(st.axis().get(0)).vectorize(js[1]).unroll(js[0]);
      return lower(s, a, b);
    });
    c.put("compute-at-tile", () -> {
      Tensor a = Te.placeholder(Te.shape(6, 8), DType.F32, "A");
      Tensor t = Te.compute(a.shape(), (i, j) -> IrOps.mul(a.get(i, j), IrOps.f32(2)), "T");
      Tensor b = Te.compute(Te.shape(6, 7), (i, j) -> IrOps.add(t.get(i, j), t.get(i, IrOps.add(j, IrOps.i32(1)))), "B");
      Schedule s = Schedule.create(b.op());
      Stage st = s.get(b);
      IterVar[] tiles = st.tile(st.axis().get(0), st.axis().get(1), 3, 4);
      s.get(t).computeAt(st, tiles[1]);
      return lower(s, a, b);
    });
    c.put("compute-at-conv", () -> {
      Tensor a = Te.placeholder(Te.shape(10), DType.F32, "A");
      Tensor p = Te.compute(a.shape(), i -> IrOps.add(a.get(i), IrOps.f32(1)), "P");
      IterVar k = Te.reduceAxis(3, "k");
      Tensor y = Te.compute(Te.shape(8), i -> Te.sum(p.get(IrOps.add(i, k.var())), k), "Y");
      Schedule s = Schedule.create(y.op());
      Stage st = s.get(y);
      IterVar[] is = st.split(st.axis().get(0), 4);
      s.get(p).computeAt(st, is[0]);
      return lower(s, a, y);
    });
    c.put("cache-write-matmul", () -> {
      Tensor a = Te.placeholder(Te.shape(8, 6), DType.F32, "A");
      Tensor w = Te.placeholder(Te.shape(6, 8), DType.F32, "W");
      IterVar k = Te.reduceAxis(6, "k");
      Tensor y = Te.compute(Te.shape(8, 8), (i, j) -> Te.sum(IrOps.mul(a.get(i, k.var()), w.get(k.var(), j)), k), "Y");
      Schedule s = Schedule.create(y.op());
      Tensor yl = s.cacheWrite(y, "local");
      Stage st = s.get(y);
      IterVar[] tiles = st.tile(st.axis().get(0), st.axis().get(1), 4, 4);
      s.get(yl).computeAt(st, tiles[1]);
      s.get(yl).reorder(k, s.get(yl).axis().get(0), s.get(yl).axis().get(1));
      s.get(yl).vectorize(s.get(yl).axis().get(1));
      st.vectorize(tiles[3]);
      return lower(s, a, w, y);
    });
    c.put("pragma-storage-align", () -> {
      Tensor a = Te.placeholder(Te.shape(4, 6), DType.F32, "A");
      Tensor t = Te.compute(a.shape(), (i, j) -> IrOps.mul(a.get(i, j), IrOps.f32(2)), "T");
      Tensor b = Te.compute(a.shape(), (i, j) -> IrOps.add(t.get(i, j), IrOps.f32(1)), "B");
      Schedule s = Schedule.create(b.op());
      Stage ts = s.get(t);
      ts.storageAlign(ts.axis().get(0), 8, 0);
      s.get(b).pragma(s.get(b).axis().get(1), "unroll_explicit", IrOps.i32(1));
      return lower(s, a, b);
    });
    c.put("rfactor", () -> {
      Tensor a = Te.placeholder(Te.shape(2, 10), DType.F32, "A");
      IterVar k = Te.reduceAxis(10, "k");
      Tensor y = Te.compute(Te.shape(2), i -> Te.sum(a.get(i, k.var()), k), "Y");
      Schedule s = Schedule.create(y.op());
      IterVar[] ks = s.get(y).split(k, 4);
      Tensor rf = s.rfactor(y, ks[1]);
      s.get(rf).parallel(s.get(rf).axis().get(0));
      return lower(s, a, y);
    });
    c.put("split-nparts", () -> {
      Tensor a = Te.placeholder(Te.shape(10), DType.F32, "A");
      Tensor b = Te.compute(a.shape(), i -> IrOps.mul(a.get(i), IrOps.f32(2)), "B");
      Schedule s = Schedule.create(b.op());
      s.get(b).splitNParts(s.get(b).axis().get(0), 3); // inner extent ceil(10 / 3) = 4, guarded
      return lower(s, a, b);
    });
    c.put("argmax-tuple", () -> {
      Tensor a = Te.placeholder(Te.shape(3, 10), DType.F32, "A");
      Tensor idx = org.nnvm4j.tensor.topi.Reduction.argmax(a, 1, false, "Idx");
      Schedule s = Schedule.create(idx.op());
      s.get(idx).split(((org.nnvm4j.tensor.te.ComputeOp) idx.op()).reduceAxis().get(0), 4);
      return lower(s, a, idx);
    });
    c.put("if-then-else", () -> {
      Tensor a = Te.placeholder(Te.shape(10), DType.F32, "A");
      // B[i] = A[i + 1] where it exists; the guard keeps the load of A[10] from running
      Tensor b = Te.compute(a.shape(), i -> IrOps.ifThenElse(IrOps.lt(i, IrOps.i32(9)), a.get(IrOps.add(i, IrOps.i32(1))),
          IrOps.f32(0)), "B");
      Schedule s = Schedule.create(b.op());
      s.get(b).split(s.get(b).axis().get(0), 5);
      return lower(s, a, b);
    });
    c.put("popcount", () -> {
      Tensor a = Te.placeholder(Te.shape(16), DType.U8, "A");
      Tensor b = Te.compute(a.shape(), i -> IrOps.popcount(a.get(i)), "B");
      Schedule s = Schedule.create(b.op());
      IterVar[] is = s.get(b).split(s.get(b).axis().get(0), 8);
      s.get(b).vectorize(is[1]);
      return lower(s, a, b);
    });
    c.put("extern", () -> {
      Tensor a = Te.placeholder(Te.shape(2, 5), DType.F32, "A");
      Tensor cs = ExternTest.prefixSum(a);
      Tensor b = Te.compute(a.shape(), (i, j) -> IrOps.add(cs.get(i, j), IrOps.f32(1)), "B");
      return lower(Schedule.create(b.op()), a, b);
    });
    c.put("scan", () -> {
      ScanTest.CumSum cs = ScanTest.CumSum.of(4, 8, DType.F32);
      Schedule s = Schedule.create(cs.scan().op());
      Stage u = s.get(cs.update());
      u.vectorize(u.axis().get(1));
      return lower(s, cs.x(), cs.scan());
    });
    return c;
  }

  private static String lower(Schedule s, Tensor... args) { return TirPrinter.print(Lower.lower(s, List.of(args), "main")); }

  @TestFactory
  Stream<DynamicTest> loweredTextMatchesGoldenFile() {
    boolean update = Boolean.getBoolean("nnvm4j.updateGolden");
    return cases().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
      String actual = e.getValue().get();
      String file = "golden/" + e.getKey() + ".tir";
      if (update) {
        Path p = Path.of("src/test/resources", file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, actual);
        assertThat(Files.readString(p)).isEqualTo(actual);
      } else {
        assertThat(actual).isEqualTo(read(file));
      }
    }));
  }

  private static String read(String resource) throws IOException {
    try (InputStream in = GoldenLoweringTest.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as("golden file %s (create it with -Dnnvm4j.updateGolden=true)", resource).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
