package org.nnvm4j.frontend.onnx;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;

/**
 * Finds fields that were written with the wrong wire type. protobuf-java keeps such a field as an
 * "unknown" field and would silently drop it; a field number that the schema declares but that
 * arrived as unknown is therefore a malformed file, reported with its message path.
 */
final class OnnxWireCheck {
  private OnnxWireCheck() {}

  /** @throws CompileException naming {@code file} and the field when a declared field has the wrong wire type */
  static void check(Message m, Path file) { walk(m, m.getDescriptorForType().getName(), file); }

  private static void walk(Message m, String path, Path file) {
    UnknownFieldSet unknown = m.getUnknownFields();
    for (Map.Entry<Integer, UnknownFieldSet.Field> e : unknown.asMap().entrySet()) {
      FieldDescriptor f = m.getDescriptorForType().findFieldByNumber(e.getKey());
      if (f != null) {
        throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "field " + path + "." + f.getName()
            + " (number " + f.getNumber() + ") has the wrong wire type for a " + f.getType().name().toLowerCase(java.util.Locale.ROOT)
            + " field");
      }
    }
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) continue;
      if (f.isRepeated()) {
        List<?> list = (List<?>) e.getValue();
        for (int i = 0; i < list.size(); i++) walk((Message) list.get(i), path + "." + f.getName() + "[" + i + "]", file);
      } else {
        walk((Message) e.getValue(), path + "." + f.getName(), file);
      }
    }
  }
}
