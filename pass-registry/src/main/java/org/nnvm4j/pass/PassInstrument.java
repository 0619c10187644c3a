package org.nnvm4j.pass;

import java.time.Duration;

/** Hooks called around every pass that a {@link PassContext} runs (TVM's pass instruments). */
public interface PassInstrument {
  /** Called before {@code info}'s pass runs on {@code ir}. */
  default void before(PassInfo info, Object ir) {}

  /** Called after {@code info}'s pass ran, with its result and how long it took. */
  default void after(PassInfo info, Object ir, Duration elapsed) {}
}
