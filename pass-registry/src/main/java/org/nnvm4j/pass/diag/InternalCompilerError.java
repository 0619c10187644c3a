package org.nnvm4j.pass.diag;

/** A broken invariant inside nnvm4j: our bug, never the user's. Names the pass and the IR. */
public final class InternalCompilerError extends Nnvm4jException {
  public InternalCompilerError(String message) { this(message, null); }

  public InternalCompilerError(String message, Throwable cause) {
    super(ErrorCode.INTERNAL, "Internal compiler error: " + message + " (please report this as an nnvm4j bug)", cause);
  }

  /** Fails with an {@link InternalCompilerError} unless {@code condition} holds. */
  public static void check(boolean condition, String format, Object... args) {
    if (!condition) throw new InternalCompilerError(String.format(format, args));
  }
}
