package org.nnvm4j.pass.diag;

/** A failure at run time on a device: a failed native call or launch, or use after close. */
public final class DeviceRuntimeException extends Nnvm4jException {
  public DeviceRuntimeException(ErrorCode code, String message) { super(code, message, null); }

  public DeviceRuntimeException(ErrorCode code, String message, Throwable cause) { super(code, message, cause); }
}
