/** Graph passes, each a registered {@link org.nnvm4j.pass.Pass} over {@link org.nnvm4j.graph.Graph} named {@code graph.<kebab>}. */
package org.nnvm4j.graph.pass;
