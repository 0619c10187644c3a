/**
 * The OpenCL backend (target kind {@code opencl}): GPU schedules that bind loops to
 * {@code blockIdx}/{@code threadIdx}, OpenCL C source from {@link org.nnvm4j.backend.opencl.OpenClCodegen},
 * and a JOCL runtime (one context and queue per device, shared by the process) that builds, caches and
 * launches the kernels.
 */
package org.nnvm4j.backend.opencl;
