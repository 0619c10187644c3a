/** The ARM backend (target kind {@code arm}): AArch64 and ARMv7 code through LLVM; runs under qemu-user. */
package org.nnvm4j.backend.arm;
