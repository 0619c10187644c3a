package org.nnvm4j.pass;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A pipeline: runs its passes in order through {@link PassContext#apply}. A pass whose
 * {@link PassInfo#requires()} names a pass that has not run yet in this pipeline gets that pass
 * run first, looked up in the {@link PassRegistry}.
 */
public final class Sequential<IR> implements Pass<IR> {
  private final PassInfo info;
  private final Class<IR> irType;
  private final List<Pass<IR>> passes;
  private final PassRegistry registry;

  private Sequential(PassInfo info, Class<IR> irType, List<Pass<IR>> passes, PassRegistry registry) {
    this.info = info;
    this.irType = irType;
    this.passes = List.copyOf(passes);
    this.registry = registry;
  }

  /** A pipeline named {@code name} (e.g. {@code tir.lower}) of {@code passes}. */
  @SafeVarargs
  public static <IR> Sequential<IR> of(String name, Class<IR> irType, Pass<IR>... passes) {
    return of(name, irType, List.of(passes));
  }

  public static <IR> Sequential<IR> of(String name, Class<IR> irType, List<Pass<IR>> passes) {
    return of(name, irType, passes, PassRegistry.global());
  }

  /** A pipeline whose missing requirements are looked up in {@code registry}. */
  public static <IR> Sequential<IR> of(String name, Class<IR> irType, List<Pass<IR>> passes, PassRegistry registry) {
    return new Sequential<>(new PassInfo(name, "pipeline " + passes.stream().map(p -> p.info().name())
        .collect(Collectors.joining(",")), 0), irType, passes, registry);
  }

  public List<Pass<IR>> passes() { return passes; }

  @Override public PassInfo info() { return info; }

  @Override public Class<IR> irType() { return irType; }

  @Override
  public IR run(IR ir, PassContext ctx) {
    Set<String> done = new HashSet<>();
    IR cur = ir;
    for (Pass<IR> p : passes) cur = runWithRequirements(p, cur, ctx, done, new ArrayList<>());
    return cur;
  }

  private IR runWithRequirements(Pass<IR> p, IR ir, PassContext ctx, Set<String> done, List<String> stack) {
    String name = p.info().name();
    if (stack.contains(name)) throw new IllegalStateException("pass requirement cycle: " + stack + " -> " + name);
    stack.add(name);
    IR cur = ir;
    for (String req : p.info().requires()) {
      if (!done.contains(req) && passes.stream().noneMatch(q -> q.info().name().equals(req))) {
        cur = runWithRequirements(registry.get(req, irType), cur, ctx, done, stack);
      }
    }
    cur = ctx.apply(p, cur);
    done.add(name);
    stack.remove(stack.size() - 1);
    return cur;
  }

  /** The textual form of this pipeline, e.g. {@code graph(infer-shape,fuse-ops)}. */
  @Override
  public String toString() {
    return passes.stream().map(p -> p.info().name()).collect(Collectors.joining(","));
  }
}
