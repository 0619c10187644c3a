package org.nnvm4j.frontend.onnx;

import java.util.List;
import org.nnvm4j.graph.Symbol;

/**
 * Converts one ONNX node (of any opset version) into registered graph ops, returning one symbol per
 * ONNX output. Throws {@link OnnxNode#unsupported} for a case it cannot express.
 */
@FunctionalInterface
interface OpConverter {
  List<Symbol> convert(OnnxNode node);
}
