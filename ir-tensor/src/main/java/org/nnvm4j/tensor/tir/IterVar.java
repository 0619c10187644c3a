package org.nnvm4j.tensor.tir;

/**
 * An iteration variable of a tensor expression or schedule: {@code var} ranges over {@code dom}.
 * Identity-compared, like {@link Var}.
 */
public final class IterVar {
  /** What kind of iteration this is. */
  public enum Kind { DATA_PAR, COMM_REDUCE, THREAD_INDEX, ORDERED, OPAQUE }

  private final Range dom;
  private final Var var;
  private final Kind kind;
  private final String threadTag;

  public IterVar(Range dom, Var var, Kind kind, String threadTag) {
    this.dom = dom;
    this.var = var;
    this.kind = kind;
    this.threadTag = threadTag;
  }

  public IterVar(Range dom, Var var, Kind kind) { this(dom, var, kind, ""); }

  /** The domain, or {@code null} when it is left to bound inference. */
  public Range dom() { return dom; }

  public Var var() { return var; }

  public Kind kind() { return kind; }

  /** {@code blockIdx.x}, {@code threadIdx.y}, ... for thread indices; empty otherwise. */
  public String threadTag() { return threadTag; }

  @Override public String toString() { return "iter_var(" + var + ", " + dom + ")"; }
}
