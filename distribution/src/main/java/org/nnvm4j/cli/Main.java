package org.nnvm4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code nnvm4j}: compile, run and inspect models from the command line. */
@Command(name = "nnvm4j", mixinStandardHelpOptions = true, version = "nnvm4j 0.1.0",
    description = "A deep-learning compiler toolkit for the JVM.",
    subcommands = {TargetsCommand.class, CompileCommand.class, RunCommand.class, IrCommand.class, DemoCommand.class,
        BenchCommand.class, ModelsCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) { System.exit(run(args)); }

  /** Runs the command line and returns its exit code (for tests). */
  public static int run(String... args) {
    return new CommandLine(new Main()).setExecutionExceptionHandler((ex, cmd, parsed) -> {
      cmd.getErr().println("error: " + ex.getMessage());
      return 1;
    }).execute(args);
  }

  @Override
  public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }
}
