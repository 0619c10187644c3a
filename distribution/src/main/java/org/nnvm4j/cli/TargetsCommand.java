package org.nnvm4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.BackendRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nnvm4j targets}: every discovered backend, where it comes from, and whether it can compile and run here. */
@Command(name = "targets", description = "List the discovered backends and whether they can compile and run here.")
final class TargetsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    BackendRegistry reg = BackendRegistry.defaultRegistry();
    out.printf("%-8s %-42s %-8s %-6s %s%n", "KIND", "MODULE", "COMPILE", "RUN", "REASON");
    for (BackendRegistry.Entry e : reg.entries()) {
      Availability a = e.provider().availability();
      out.printf("%-8s %-42s %-8s %-6s %s%n", e.kind(), e.source(), a.canCompile() ? "yes" : "no", a.canRun() ? "yes" : "no",
          a.reason().isEmpty() ? "-" : a.reason());
    }
    for (String s : reg.skipped()) out.println("skipped: " + s);
    out.flush();
    return 0;
  }
}
