/** The frontend SPI: importers that turn a model file into a {@link org.nnvm4j.graph.Graph} and its parameters. */
package org.nnvm4j.graph.frontend;
