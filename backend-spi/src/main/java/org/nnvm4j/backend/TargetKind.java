package org.nnvm4j.backend;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apiguardian.api.API;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;

/**
 * The schema of a target kind (TVM's {@code TVM_REGISTER_TARGET_KIND}): its name, the attributes it
 * accepts with their types and defaults, the keys that schedule strategies match on (e.g.
 * {@code ["cuda", "gpu"]}), and the device type it runs on.
 */
@API(status = API.Status.STABLE, since = "0.1")
public record TargetKind(String name, Map<String, Attr> attrs, List<String> keys, String deviceType) {
  /** One attribute: its type ({@code String}, {@code Integer} or {@code Boolean}), default (may be null) and meaning. */
  public record Attr(Class<?> type, Object defaultValue, String doc) {
    public Attr {
      if (type != String.class && type != Integer.class && type != Boolean.class) {
        throw new IllegalArgumentException("target attributes are String, Integer or Boolean, not " + type);
      }
    }
  }

  public TargetKind {
    attrs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
    keys = List.copyOf(keys);
  }

  /**
   * {@code target} with every attribute converted to its declared type and the defaults filled in.
   *
   * @throws CompileException naming the attribute when it is unknown or of the wrong type
   */
  public Target validate(Target target) {
    if (!target.kind().equals(name)) throw CompileException.invalid("target %s is not of kind %s", target, name);
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Attr> e : attrs.entrySet()) {
      if (e.getValue().defaultValue() != null) out.put(e.getKey(), e.getValue().defaultValue());
    }
    for (Map.Entry<String, Object> e : target.attrs().entrySet()) {
      Attr a = attrs.get(e.getKey());
      if (a == null) {
        throw new CompileException(ErrorCode.INVALID_ARGUMENT, new Span(null, null, null, e.getKey()),
            "target kind '" + name + "' has no attribute -" + e.getKey() + "; expected one of " + attrs.keySet());
      }
      out.put(e.getKey(), convert(e.getKey(), e.getValue(), a.type()));
    }
    return new Target(name, out);
  }

  private Object convert(String key, Object v, Class<?> type) {
    if (type.isInstance(v)) return v;
    String s = v.toString();
    try {
      if (type == Integer.class) return Integer.parseInt(s);
      if (type == Boolean.class) {
        if (s.equals("true") || s.equals("1")) return true;
        if (s.equals("false") || s.equals("0")) return false;
        throw new NumberFormatException(s);
      }
      return s;
    } catch (NumberFormatException ex) {
      throw new CompileException(ErrorCode.INVALID_ARGUMENT, new Span(null, null, null, key),
          "target attribute -" + key + "=" + s + " is not a " + type.getSimpleName());
    }
  }
}
