package org.nnvm4j.backend.opencl;

import java.util.ArrayList;
import java.util.List;
import org.nnvm4j.backend.FunctionSignature;
import org.nnvm4j.backend.csource.KernelSplit;
import org.nnvm4j.backend.csource.LaunchExtent;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.Var;

/**
 * What the host does to run one compiled function: allocate its temporaries, then launch its
 * kernels in order with the geometry evaluated from the call's scalars. It is also the text a
 * module's manifest stores, so a loaded module needs no TIR.
 */
record FunctionPlan(FunctionSignature signature, List<DType> scalarTypes, List<Temp> temps, List<Launch> launches) {
  /** A global temporary of {@code elements} elements of {@code dtype}. */
  record Temp(String name, DType dtype, LaunchExtent elements) {}

  /** One kernel launch: grid extents {@code blockIdx.x/y/z}, block extents {@code threadIdx.x/y/z}. */
  record Launch(String kernel, List<LaunchExtent> grid, List<LaunchExtent> block) {
    Launch {
      grid = List.copyOf(grid);
      block = List.copyOf(block);
    }
  }

  FunctionPlan {
    scalarTypes = List.copyOf(scalarTypes);
    temps = List.copyOf(temps);
    launches = List.copyOf(launches);
  }

  static FunctionPlan of(KernelSplit.Result split) {
    List<Var> scalars = split.function().scalarParams();
    List<Temp> temps = new ArrayList<>();
    for (Buffer b : split.temporaries()) {
      Expr n = IrOps.intImm(DType.I64, 1);
      for (Expr d : b.shape()) n = IrOps.mul(n, IrOps.cast(DType.I64, d));
      temps.add(new Temp(b.name(), b.dtype(), LaunchExtent.of(n, scalars)));
    }
    List<Launch> launches = split.kernels().stream().map(k -> new Launch(k.name(), k.grid(), k.block())).toList();
    return new FunctionPlan(FunctionSignature.of(split.function()), scalars.stream().map(Var::dtype).toList(), temps, launches);
  }

  /** The manifest lines of this plan. */
  String toText() {
    StringBuilder b = new StringBuilder("fn ").append(signature.toText()).append('\n');
    for (DType t : scalarTypes) b.append("scalar ").append(t).append('\n');
    for (Temp t : temps) b.append("temp ").append(t.name()).append(' ').append(t.dtype()).append(" | ")
        .append(t.elements().toText()).append('\n');
    for (Launch l : launches) {
      b.append("kernel ").append(l.kernel());
      for (LaunchExtent e : l.grid()) b.append(" | ").append(e.toText());
      for (LaunchExtent e : l.block()) b.append(" | ").append(e.toText());
      b.append('\n');
    }
    return b.toString();
  }

  /**
   * Reads the plans written by {@link #toText()}, one after the other.
   *
   * @throws CompileException naming the line when the text is malformed
   */
  static List<FunctionPlan> parseAll(List<String> lines, String file) {
    List<FunctionPlan> out = new ArrayList<>();
    FunctionSignature sig = null;
    List<DType> scalars = new ArrayList<>();
    List<Temp> temps = new ArrayList<>();
    List<Launch> launches = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) continue;
      String[] head = line.split(" ", 2);
      if (head.length < 2) throw bad(file, line);
      switch (head[0]) {
        case "fn" -> {
          if (sig != null) out.add(new FunctionPlan(sig, scalars, temps, launches));
          sig = FunctionSignature.parse(head[1]);
          scalars = new ArrayList<>();
          temps = new ArrayList<>();
          launches = new ArrayList<>();
        }
        case "scalar" -> scalars.add(DType.parse(head[1]));
        case "temp" -> {
          String[] p = head[1].split(" \\| ");
          String[] nt = p[0].split(" ");
          if (p.length != 2 || nt.length != 2) throw bad(file, line);
          temps.add(new Temp(nt[0], DType.parse(nt[1]), LaunchExtent.parse(p[1])));
        }
        case "kernel" -> {
          String[] p = head[1].split(" \\| ");
          if (p.length != 7) throw bad(file, line);
          List<LaunchExtent> ext = new ArrayList<>();
          for (int i = 1; i < 7; i++) ext.add(LaunchExtent.parse(p[i]));
          launches.add(new Launch(p[0], ext.subList(0, 3), ext.subList(3, 6)));
        }
        default -> throw bad(file, line);
      }
      if (sig == null) throw bad(file, line);
    }
    if (sig != null) out.add(new FunctionPlan(sig, scalars, temps, launches));
    return out;
  }

  private static CompileException bad(String file, String line) {
    return new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file), "bad OpenCL module manifest line '" + line + "'");
  }
}
