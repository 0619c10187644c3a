package org.nnvm4j.pass.diag;

import java.util.List;

/**
 * The user's input is wrong or unsupported. The message names the file, node, op and attribute
 * where known ({@link #span()}); when a model has several problems, {@link #problems()} lists
 * every one of them so that the user sees them all at once.
 */
public final class CompileException extends Nnvm4jException {
  private final Span span;
  private final List<String> problems;

  public CompileException(ErrorCode code, Span span, String message) {
    this(code, span, message, List.of(), null);
  }

  public CompileException(ErrorCode code, Span span, String message, Throwable cause) {
    this(code, span, message, List.of(), cause);
  }

  private CompileException(ErrorCode code, Span span, String message, List<String> problems, Throwable cause) {
    super(code, format(span, message, problems), cause);
    this.span = span == null ? Span.NONE : span;
    this.problems = List.copyOf(problems);
  }

  /** One exception that reports all {@code problems} (one line each) found in {@code span}. */
  public static CompileException all(ErrorCode code, Span span, String summary, List<String> problems) {
    return new CompileException(code, span, summary, problems, null);
  }

  /** Shorthand for an {@link ErrorCode#INVALID_ARGUMENT} error without a span. */
  public static CompileException invalid(String format, Object... args) {
    return new CompileException(ErrorCode.INVALID_ARGUMENT, Span.NONE, String.format(format, args));
  }

  public Span span() { return span; }

  public List<String> problems() { return problems; }

  private static String format(Span span, String message, List<String> problems) {
    StringBuilder b = new StringBuilder(message);
    if (span != null && !span.isEmpty()) b.append(" (").append(span).append(')');
    for (String p : problems) b.append("\n  - ").append(p);
    return b.toString();
  }
}
