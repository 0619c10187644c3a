package org.nnvm4j.it.onnx;

/**
 * The outcome of one conformance case: its id ({@code suite/name}), status, a detail line (the
 * reason for unsupported and error, the worst element for mismatch), the max absolute and relative
 * errors over all outputs (null when nothing was compared) and the wall time.
 */
public record CaseResult(String id, Status status, String detail, Double maxAbsError, Double maxRelError, long millis) {
  /** How a case ended. */
  public enum Status { PASS, MISMATCH, UNSUPPORTED, ERROR }
}
