package org.nnvm4j.pass.diag;

/** Root of every exception nnvm4j throws on purpose; unchecked, sealed, with an {@link ErrorCode}. */
public abstract sealed class Nnvm4jException extends RuntimeException
    permits CompileException, InternalCompilerError, BackendUnavailableException, DeviceRuntimeException {
  private final ErrorCode code;

  Nnvm4jException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() { return code; }
}
