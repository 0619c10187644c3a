package org.nnvm4j.tensor.tir;

/** The half-open interval {@code [min, min + extent)}. */
public record Range(Expr min, Expr extent) {
  public static Range fromExtent(Expr extent) { return new Range(IrOps.zero(extent.dtype()), extent); }

  @Override public String toString() { return "range(min=" + TirPrinter.print(min) + ", ext=" + TirPrinter.print(extent) + ")"; }
}
