package org.nnvm4j.pass;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nnvm4j.pass.diag.InternalCompilerError;
import org.nnvm4j.pass.diag.Nnvm4jException;

/**
 * Everything a pass run may depend on besides its IR: the opt level, typed per-pass configuration,
 * passes disabled or required by the user, and instruments. Immutable; build one with
 * {@link #builder()}. {@link #apply(Pass, Object)} is the one place where a pass actually runs.
 */
public final class PassContext {
  private static final System.Logger LOG = System.getLogger(PassContext.class.getName());

  private final int optLevel;
  private final Map<String, Object> config;
  private final Set<String> disabled;
  private final Set<String> required;
  private final List<PassInstrument> instruments;

  private PassContext(Builder b) {
    this.optLevel = b.optLevel;
    this.config = Map.copyOf(b.config);
    this.disabled = Set.copyOf(b.disabled);
    this.required = Set.copyOf(b.required);
    this.instruments = List.copyOf(b.instruments);
  }

  /** The default context: opt level 2, plus the IR printing that the system properties ask for. */
  public static PassContext defaults() { return builder().build(); }

  public static Builder builder() { return new Builder(); }

  /** A builder that starts from this context. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.optLevel = optLevel;
    b.config.putAll(config);
    b.disabled.addAll(disabled);
    b.required.addAll(required);
    b.instruments.clear();
    b.instruments.addAll(instruments);
    return b;
  }

  public int optLevel() { return optLevel; }

  public Set<String> disabledPasses() { return disabled; }

  public Set<String> requiredPasses() { return required; }

  public List<PassInstrument> instruments() { return instruments; }

  /**
   * The configuration stored under {@code key}, or {@code fallback} when there is none.
   *
   * @throws IllegalArgumentException when the stored value is not a {@code type}
   */
  public <T> T config(String key, Class<T> type, T fallback) {
    Object v = config.get(key);
    if (v == null) return fallback;
    if (!type.isInstance(v)) {
      throw new IllegalArgumentException("config '" + key + "' is a " + v.getClass().getName()
          + ", expected " + type.getName());
    }
    return type.cast(v);
  }

  /** Whether a pass with {@code info} runs under this context: required, or enabled at this opt level. */
  public boolean shouldRun(PassInfo info) {
    if (disabled.contains(info.name())) return false;
    return required.contains(info.name()) || info.optLevel() <= optLevel;
  }

  /**
   * Runs {@code pass} on {@code ir} when {@link #shouldRun} says so, calling the instruments around
   * it; otherwise returns {@code ir}. An unexpected exception becomes an {@link InternalCompilerError}
   * that names the pass.
   */
  public <IR> IR apply(Pass<IR> pass, IR ir) {
    PassInfo info = pass.info();
    if (!shouldRun(info)) return ir;
    for (PassInstrument i : instruments) i.before(info, ir);
    long t0 = System.nanoTime();
    IR out;
    try {
      out = pass.run(ir, this);
    } catch (Nnvm4jException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      throw new InternalCompilerError("pass " + info.name() + " failed on:\n" + ir, e);
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
    LOG.log(Level.DEBUG, () -> String.format("pass %s took %.3f ms", info.name(), elapsed.toNanos() / 1e6));
    for (PassInstrument i : instruments) i.after(info, out, elapsed);
    return out;
  }

  /** Builds a {@link PassContext}. */
  public static final class Builder {
    private int optLevel = 2;
    private final Map<String, Object> config = new HashMap<>();
    private final Set<String> disabled = new HashSet<>();
    private final Set<String> required = new HashSet<>();
    private final List<PassInstrument> instruments = new ArrayList<>(fromSystemProperties());

    private Builder() {}

    public Builder optLevel(int level) {
      if (level < 0 || level > 3) throw new IllegalArgumentException("opt level must be 0..3, was " + level);
      this.optLevel = level;
      return this;
    }

    public Builder config(String key, Object value) {
      config.put(key, value);
      return this;
    }

    public Builder disable(String... passNames) {
      disabled.addAll(Arrays.asList(passNames));
      return this;
    }

    public Builder require(String... passNames) {
      required.addAll(Arrays.asList(passNames));
      return this;
    }

    public Builder instrument(PassInstrument instrument) {
      instruments.add(instrument);
      return this;
    }

    /** Prints the IR after the named passes (after every pass when none is named). */
    public Builder printAfter(String... passNames) {
      return instrument(new PrintIrInstrument(Set.of(passNames), s -> System.out.println(s)));
    }

    public PassContext build() { return new PassContext(this); }

    private static List<PassInstrument> fromSystemProperties() {
      System.Logger log = System.getLogger("org.nnvm4j.ir");
      if (Boolean.getBoolean("nnvm4j.printAfterAll")) {
        return List.of(new PrintIrInstrument(Set.of(), s -> log.log(Level.INFO, s)));
      }
      String names = System.getProperty("nnvm4j.printAfter", "");
      if (names.isBlank()) return List.of();
      return List.of(new PrintIrInstrument(Set.of(names.split(",")), s -> log.log(Level.INFO, s)));
    }
  }
}
