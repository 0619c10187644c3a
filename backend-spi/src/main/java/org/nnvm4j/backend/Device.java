package org.nnvm4j.backend;

import java.util.Objects;
import java.util.regex.Pattern;
import org.apiguardian.api.API;

/**
 * A device a backend runs on: a type ({@code cpu}, {@code cuda}, {@code opencl}, or a third party's)
 * and an ordinal. Whether it exists is the business of the backend's {@link Runtime#devices()}.
 */
@API(status = API.Status.STABLE, since = "0.1")
public record Device(String type, int id) {
  private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_]*");

  public Device {
    Objects.requireNonNull(type, "type");
    if (!TYPE.matcher(type).matches()) throw new IllegalArgumentException("bad device type '" + type + "'");
    if (id < 0) throw new IllegalArgumentException("device id must be >= 0, was " + id);
  }

  public static Device cpu(int id) { return new Device("cpu", id); }

  public static Device cuda(int id) { return new Device("cuda", id); }

  public static Device opencl(int id) { return new Device("opencl", id); }

  @Override public String toString() { return type + "(" + id + ")"; }
}
