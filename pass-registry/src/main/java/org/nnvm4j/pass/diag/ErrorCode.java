package org.nnvm4j.pass.diag;

/** Machine-readable category of an {@link Nnvm4jException}. */
public enum ErrorCode {
  /** An input shape, dtype or name does not match what the graph or function expects. */
  INVALID_ARGUMENT,
  /** An op, attribute or construct that nnvm4j does not support. */
  UNSUPPORTED,
  /** A model or IR file that cannot be parsed. */
  MALFORMED_INPUT,
  /** A schedule primitive used in a way that cannot be lowered. */
  INVALID_SCHEDULE,
  /** No backend is registered for the requested target kind. */
  NO_BACKEND,
  /** A backend is registered but its native parts or device are missing. */
  BACKEND_UNAVAILABLE,
  /** Two providers claim the same target kind, or a provider has a different SPI version. */
  BACKEND_CONFLICT,
  /** An object was used after it was closed. */
  CLOSED,
  /** A native call, kernel launch or device copy failed. */
  DEVICE_FAILURE,
  /** A broken invariant inside nnvm4j. */
  INTERNAL
}
