/** The {@code nnvm4j} command line. */
package org.nnvm4j.cli;
