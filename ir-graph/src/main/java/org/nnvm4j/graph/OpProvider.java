package org.nnvm4j.graph;

import java.util.List;

/**
 * Contributes ops to the {@link OpRegistry}; found with {@link java.util.ServiceLoader} under
 * {@code META-INF/services/org.nnvm4j.graph.OpProvider}, so a third-party jar adds ops.
 */
public interface OpProvider {
  List<Op> ops();
}
