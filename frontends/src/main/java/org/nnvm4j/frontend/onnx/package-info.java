/**
 * The ONNX frontend: reads a {@code .onnx} file defensively ({@link org.nnvm4j.frontend.onnx.OnnxModelReader},
 * {@link org.nnvm4j.frontend.onnx.OnnxTensors}) and maps its nodes to registered graph ops through a table of
 * per-family converters ({@link org.nnvm4j.frontend.onnx.OnnxImporter}).
 */
package org.nnvm4j.frontend.onnx;
