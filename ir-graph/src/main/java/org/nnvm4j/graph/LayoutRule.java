package org.nnvm4j.graph;

/**
 * How an op treats the layout of its data: what CorrectLayout may do with it (NNVM's per-op
 * {@code FCorrectLayout}, declared as a rule). Declared with {@link Op.Builder#layout}; an op that
 * declares nothing is {@link #AGNOSTIC} when its pattern is element-wise and {@link #FIXED} otherwise.
 */
public enum LayoutRule {
  /** Element-wise: runs on data in any layout, and its output has its inputs' layout. */
  AGNOSTIC,
  /**
   * Two operands with NumPy broadcasting: runs on blocked data when the other operand is per channel
   * ({@code [C, 1, 1]}, blocked alike) or has no channel axis.
   */
  BROADCAST,
  /** Reads its data layout from its {@code layout} attribute (the pools): CorrectLayout may set it to NCHW{c}c. */
  LAYOUT_ATTR,
  /** Needs the layout it was built for: CorrectLayout gives it that layout back. */
  FIXED
}
