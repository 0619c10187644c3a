package org.nnvm4j.pass;

import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Prints the IR after every pass, or after the named passes only, with the time the pass took.
 * The IR is printed with its {@code toString()}, which every nnvm4j IR defines as its text form.
 * Enabled from the command line with {@code -Dnnvm4j.printAfterAll} or
 * {@code -Dnnvm4j.printAfter=tir.unroll-loops,graph.fuse-ops}.
 */
public final class PrintIrInstrument implements PassInstrument {
  private final Set<String> passes;
  private final Consumer<String> sink;

  /** Prints after the passes named in {@code passes}, or after all passes when it is empty. */
  public PrintIrInstrument(Set<String> passes, Consumer<String> sink) {
    this.passes = Set.copyOf(passes);
    this.sink = sink;
  }

  @Override
  public void after(PassInfo info, Object ir, Duration elapsed) {
    if (passes.isEmpty() || passes.contains(info.name())) {
      sink.accept(String.format("// IR after %s (%.3f ms)%n%s", info.name(), elapsed.toNanos() / 1e6, ir));
    }
  }
}
