/**
 * The nnvm4j facade: {@link org.nnvm4j.Compiler#build} compiles a {@link org.nnvm4j.graph.Graph}
 * for a target into a {@link org.nnvm4j.CompiledGraph} (deploy graph, module, params), and
 * {@link org.nnvm4j.GraphModule} runs it. Depends on the backend SPI only, never on a backend.
 */
package org.nnvm4j;
