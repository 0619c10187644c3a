/** The CUDA backend (target kind {@code cuda}): PTX through LLVM NVPTX, run with the CUDA driver. */
package org.nnvm4j.backend.cuda;
