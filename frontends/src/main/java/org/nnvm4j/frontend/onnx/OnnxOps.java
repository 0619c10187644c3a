package org.nnvm4j.frontend.onnx;

import java.util.Map;
import java.util.TreeMap;

/**
 * The converter table: ONNX op type to {@link OpConverter}. Each op family registers its converters
 * in its own small class; adding an op is one line there.
 */
public final class OnnxOps {
  private static final Map<String, OpConverter> TABLE = new TreeMap<>();
  /** Converters of domain {@code ai.onnx.preview.training}. */
  private static final Map<String, OpConverter> TRAINING = new TreeMap<>();

  static {
    ElementwiseConverters.register(TABLE);
    ActivationConverters.register(TABLE);
    TensorConverters.register(TABLE);
    ShapeConverters.register(TABLE);
    NnConverters.register(TABLE);
    ReduceConverters.register(TABLE);
    CompositeConverters.register(TABLE);
    NormConverters.register(TABLE);
    LossConverters.register(TABLE);
    IndexConverters.register(TABLE);
    SequenceConverters.register(TABLE);
    ConvConverters.register(TABLE);
    ResizeConverters.register(TABLE);
    ChannelConverters.register(TABLE);
    RnnConverters.register(TABLE);
    QuantConverters.register(TABLE);
    VisionConverters.register(TABLE);
  }

  static {
    TrainingConverters.register(TRAINING);
  }

  private OnnxOps() {}

  /** The converter of {@code opType} in {@code domain} ("" is the default domain), or null. */
  static OpConverter converter(String domain, String opType) {
    if (domain.isEmpty()) return TABLE.get(opType);
    return domain.equals(TrainingConverters.DOMAIN) ? TRAINING.get(opType) : null;
  }

  static OpConverter converter(String opType) { return TABLE.get(opType); }

  /** The ONNX op types that have a converter (whether their graph ops are registered is checked per node). */
  public static java.util.Set<String> opTypes() { return java.util.Collections.unmodifiableSet(TABLE.keySet()); }
}
