package org.nnvm4j.graph;

/** How an op fuses with its neighbours (NNVM's TOpPattern), from most to least fusable. */
public enum OpPattern {
  ELEMWISE, BROADCAST, INJECTIVE, COMM_REDUCE, OUT_ELEMWISE_FUSABLE, OPAQUE;

  /** The name used in schedule requests, e.g. {@code out_elemwise_fusable}. */
  public String id() { return name().toLowerCase(java.util.Locale.ROOT); }
}
