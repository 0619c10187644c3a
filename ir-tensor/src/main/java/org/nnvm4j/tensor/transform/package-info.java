/** TIR passes, each one class with a static {@code apply} and a {@code pass()} factory, and the lowering pipeline. */
package org.nnvm4j.tensor.transform;
