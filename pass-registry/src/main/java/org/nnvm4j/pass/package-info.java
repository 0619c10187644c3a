/**
 * Passes over any IR: {@link org.nnvm4j.pass.Pass}, {@link org.nnvm4j.pass.PassInfo},
 * {@link org.nnvm4j.pass.PassContext}, {@link org.nnvm4j.pass.Sequential} and the
 * {@link org.nnvm4j.pass.PassRegistry}. Nothing here knows a concrete IR.
 */
package org.nnvm4j.pass;
