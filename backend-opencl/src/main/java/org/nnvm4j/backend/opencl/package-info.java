/** The OpenCL backend (target kind {@code opencl}): OpenCL C source, run through an OpenCL ICD. */
package org.nnvm4j.backend.opencl;
