package org.nnvm4j.tensor.tir;

/** How a {@link For} loop executes. */
public enum ForKind {
  SERIAL, PARALLEL, VECTORIZED, UNROLLED,
  /** Bound to a GPU thread index; the loop's {@code threadTag} names it. */
  THREAD_BINDING;

  /** The word the printer writes before {@code for}, or an empty string. */
  public String prefix() {
    return switch (this) {
      case SERIAL -> "";
      case PARALLEL -> "parallel ";
      case VECTORIZED -> "vectorized ";
      case UNROLLED -> "unrolled ";
      case THREAD_BINDING -> "launch_thread ";
    };
  }
}
