package org.nnvm4j.frontend.onnx;

import java.util.Map;
import org.nnvm4j.frontend.onnx.proto.Onnx.TensorProto.DataType;
import org.nnvm4j.tensor.DType;

/** ONNX element types ({@code TensorProto.DataType} numbers) and the nnvm4j {@link DType}s they map to. */
public final class OnnxDTypes {
  private static final Map<DataType, DType> TYPES = Map.ofEntries(
      Map.entry(DataType.FLOAT, DType.F32), Map.entry(DataType.DOUBLE, DType.F64),
      Map.entry(DataType.FLOAT16, DType.F16), Map.entry(DataType.BFLOAT16, DType.BF16),
      Map.entry(DataType.INT8, DType.I8), Map.entry(DataType.INT16, DType.I16),
      Map.entry(DataType.INT32, DType.I32), Map.entry(DataType.INT64, DType.I64),
      Map.entry(DataType.UINT8, DType.U8), Map.entry(DataType.UINT16, DType.U16),
      Map.entry(DataType.UINT32, DType.U32), Map.entry(DataType.UINT64, DType.U64),
      Map.entry(DataType.BOOL, DType.BOOL));

  private OnnxDTypes() {}

  /** The dtype of ONNX element type {@code code}, or null when nnvm4j has none (string, complex, float8, int4). */
  public static DType of(int code) {
    DataType t = DataType.forNumber(code);
    return t == null ? null : TYPES.get(t);
  }

  /** The ONNX name of element type {@code code} ({@code FLOAT}, {@code STRING}, ...), or {@code code} as a number. */
  public static String name(int code) {
    DataType t = DataType.forNumber(code);
    return t == null ? Integer.toString(code) : t.name();
  }

  /** The ONNX element type of {@code dtype}. */
  public static int code(DType dtype) {
    for (Map.Entry<DataType, DType> e : TYPES.entrySet()) {
      if (e.getValue().equals(dtype)) return e.getKey().getNumber();
    }
    throw new IllegalArgumentException("no ONNX element type for " + dtype);
  }
}
