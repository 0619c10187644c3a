/**
 * The graph IR of nnvm4j (NNVM's half): {@link org.nnvm4j.graph.Graph}, {@link org.nnvm4j.graph.Node},
 * {@link org.nnvm4j.graph.NodeEntry}, the {@link org.nnvm4j.graph.Op} registry and the
 * {@link org.nnvm4j.graph.Symbol} API. Sub-packages: graph passes ({@code pass}) and the deploy
 * graph format of the graph runtime ({@code deploy}).
 */
package org.nnvm4j.graph;
