package org.nnvm4j.it.thirdparty;

import org.nnvm4j.backend.Availability;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendProvider;
import org.nnvm4j.backend.Target;
import org.nnvm4j.backend.TargetKind;

/** A provider that wrongly claims the kind {@code llvm}; only listed in the {@code duplicate-llvm} test folder. */
public final class SecondLlvmProvider implements BackendProvider {
  @Override public String kind() { return "llvm"; }

  @Override public TargetKind targetKind() { return new TargetKind("llvm", java.util.Map.of(), java.util.List.of(), "cpu"); }

  @Override public Availability availability() { return Availability.none("test double"); }

  @Override public Backend create(Target target) { throw new IllegalStateException("never created"); }
}
