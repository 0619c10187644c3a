package org.nnvm4j.backend;

import org.apiguardian.api.API;

/**
 * Whether a backend can compile (generate code) here and whether it can run (a device is present),
 * with the reason when either is false, e.g. {@code "libcuda.so.1 not found"}.
 */
@API(status = API.Status.STABLE, since = "0.1")
public record Availability(boolean canCompile, boolean canRun, String reason) {
  public Availability {
    reason = reason == null ? "" : reason;
    if (canRun && !canCompile) throw new IllegalArgumentException("a backend that can run must be able to compile");
  }

  public static Availability ready() { return new Availability(true, true, ""); }

  public static Availability compileOnly(String whyNotRun) { return new Availability(true, false, whyNotRun); }

  public static Availability none(String why) { return new Availability(false, false, why); }
}
