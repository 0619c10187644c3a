package org.nnvm4j.cli;

import java.io.PrintWriter;
import java.util.HashSet;
import java.util.Set;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.pass.PassInstrument;
import org.nnvm4j.tensor.tir.PrimFunc;

/**
 * Progress of a long compile, one line per graph pass and per fused function as it is lowered, each
 * with the seconds since the compile started: {@code [  3.1 s] lowering fuse_conv2d_NCHWc_relu (12)}.
 * The code generation of the whole module follows the last function.
 */
final class CompileProgress implements PassInstrument {
  private final PrintWriter out;
  private final long start = System.nanoTime();
  private final Set<String> functions = new HashSet<>();

  CompileProgress(PrintWriter out) { this.out = out; }

  @Override
  public void before(PassInfo info, Object ir) {
    if (ir instanceof Graph && info.name().startsWith("graph.")) {
      line(info.name());
    } else if (ir instanceof PrimFunc f && functions.add(f.name())) {
      line("lowering " + f.name() + " (" + functions.size() + ")");
    }
  }

  /** A line with the elapsed time. */
  void line(String what) {
    out.printf("[%6.1f s] %s%n", (System.nanoTime() - start) / 1e9, what);
    out.flush();
  }

  /** How many fused functions were lowered so far. */
  int functions() { return functions.size(); }
}
