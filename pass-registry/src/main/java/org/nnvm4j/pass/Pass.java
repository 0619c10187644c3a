package org.nnvm4j.pass;

import java.util.Objects;
import java.util.function.BiFunction;
import org.apiguardian.api.API;

/**
 * A transformation of one IR type. A pass holds no state across runs: everything it needs per run
 * comes from its argument and the {@link PassContext}. Run a pass through
 * {@link PassContext#apply(Pass, Object)} (or a {@link Sequential}) so that the context's opt level,
 * disabled passes and instruments take effect; {@link #run} is the raw transformation.
 *
 * @param <IR> the IR this pass transforms (a graph, a TIR function, a module, ...)
 */
@API(status = API.Status.STABLE, since = "0.1")
public interface Pass<IR> {
  PassInfo info();

  /** The IR class this pass accepts; used by the registry to look passes up type-safely. */
  Class<IR> irType();

  /** Transforms {@code ir}; returns the same instance when nothing changed. */
  IR run(IR ir, PassContext ctx);

  /** A pass from a function. */
  static <IR> Pass<IR> of(PassInfo info, Class<IR> irType, BiFunction<IR, PassContext, IR> body) {
    Objects.requireNonNull(body, "body");
    return new Pass<>() {
      @Override public PassInfo info() { return info; }
      @Override public Class<IR> irType() { return irType; }
      @Override public IR run(IR ir, PassContext ctx) { return body.apply(ir, ctx); }
      @Override public String toString() { return info.name(); }
    };
  }
}
