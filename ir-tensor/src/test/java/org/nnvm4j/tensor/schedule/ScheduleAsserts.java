package org.nnvm4j.tensor.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;

/** Assertions shared by the schedule tests. */
final class ScheduleAsserts {
  private ScheduleAsserts() {}

  /** {@code call} fails with an {@link ErrorCode#INVALID_SCHEDULE} whose message contains every fragment. */
  static void assertInvalid(ThrowingCallable call, String... fragments) {
    assertThatThrownBy(call).isInstanceOfSatisfying(CompileException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SCHEDULE);
      assertThat(e.getMessage()).contains(fragments);
    });
  }
}
