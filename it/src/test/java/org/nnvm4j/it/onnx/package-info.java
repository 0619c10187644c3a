/** The ONNX conformance suite: every case of the ONNX backend test data, imported, compiled and run. */
package org.nnvm4j.it.onnx;
