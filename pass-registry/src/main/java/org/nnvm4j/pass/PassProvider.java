package org.nnvm4j.pass;

import java.util.List;
import org.apiguardian.api.API;

/**
 * Contributes passes to the {@link PassRegistry}. Implementations are found with
 * {@link java.util.ServiceLoader} under
 * {@code META-INF/services/org.nnvm4j.pass.PassProvider}; a third-party jar on the classpath adds
 * its passes without any change to nnvm4j.
 */
@API(status = API.Status.STABLE, since = "0.1")
public interface PassProvider {
  /** The passes to register. Called once, when the global registry is first used. */
  List<Pass<?>> passes();
}
