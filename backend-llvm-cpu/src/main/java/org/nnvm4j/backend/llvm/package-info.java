/**
 * The LLVM CPU backend (target kind {@code llvm}): TIR to LLVM IR through the bytedeco LLVM C API,
 * O3 for the host CPU, ORC LLJIT in process, kernels called through {@code java.lang.foreign};
 * modules export as a shared library.
 */
package org.nnvm4j.backend.llvm;
