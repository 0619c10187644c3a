/** The deploy graph of the graph runtime, in NNVM's JSON format. */
package org.nnvm4j.graph.deploy;
