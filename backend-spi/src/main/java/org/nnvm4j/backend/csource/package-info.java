/**
 * What C-like source backends (OpenCL C, CUDA C, Metal, C) share: {@link org.nnvm4j.backend.csource.CSourceCodegen},
 * a TIR printer whose hooks a backend overrides; {@link org.nnvm4j.backend.csource.KernelSplit}, which cuts a
 * lowered function into device kernels and the host steps that launch them; and
 * {@link org.nnvm4j.backend.csource.LaunchExtent}, the launch geometry the host evaluates per call.
 */
package org.nnvm4j.backend.csource;
