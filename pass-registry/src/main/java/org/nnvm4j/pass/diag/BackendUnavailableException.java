package org.nnvm4j.pass.diag;

/** A backend, native library or device is missing; the message says what and how to get it. */
public final class BackendUnavailableException extends Nnvm4jException {
  public BackendUnavailableException(ErrorCode code, String message) { super(code, message, null); }

  public BackendUnavailableException(ErrorCode code, String message, Throwable cause) { super(code, message, cause); }
}
