/** NNVM's file formats: graph JSON ({@link org.nnvm4j.graph.format.GraphJson}) and TVM's params blob ({@link org.nnvm4j.graph.format.ParamsBlob}). */
package org.nnvm4j.graph.format;
