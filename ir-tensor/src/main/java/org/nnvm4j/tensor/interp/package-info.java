/** {@link org.nnvm4j.tensor.interp.Interpreter}: runs lowered TIR in Java; the oracle backends are tested against. */
package org.nnvm4j.tensor.interp;
