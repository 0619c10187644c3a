package org.nnvm4j.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX Runtime session on float32 inputs (CPU execution provider, all graph optimizations,
 * {@code intra-op threads = N}, {@code inter-op threads = 1}). The only class of the CLI that touches
 * {@code ai.onnxruntime}, an optional dependency: callers check {@link ModelBench#ortAvailability()} first.
 */
final class OrtRunner implements AutoCloseable {
  /** The Maven coordinates of the ONNX Runtime build the bench path is tested with. */
  static final String ARTIFACT = "com.microsoft.onnxruntime:onnxruntime:1.29.0";

  private final OrtSession session;
  private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();

  /** Opens {@code model} with {@code threads} intra-op threads and binds the float32 {@code values} (name -> (shape, data)). */
  OrtRunner(Path model, int threads, Map<String, Input> values) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      // ORT's workers otherwise spin-wait after each run and take a core from the nnvm4j run that follows
      // (alternating runs): 2-thread ResNet-18 measured 54 ms for nnvm4j next to ORT, 27 ms alone.
      options.addConfigEntry("session.intra_op.allow_spinning", "0");
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      session = env.createSession(model.toString(), options);
    }
    try {
      for (Map.Entry<String, Input> e : values.entrySet()) {
        inputs.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue().data()), e.getValue().shape()));
      }
    } catch (OrtException e) {
      close();
      throw e;
    }
  }

  /** A float32 input: its dims and row-major data. */
  record Input(long[] shape, float[] data) {}

  /** One run; returns nothing so that timing measures the run and the release of its outputs only. */
  void run() throws OrtException {
    session.run(inputs).close();
  }

  /** One run, returning every output as flat float32 data, in the model's output order. */
  List<float[]> outputs() throws OrtException {
    List<float[]> out = new ArrayList<>();
    try (OrtSession.Result r = session.run(inputs)) {
      for (Map.Entry<String, OnnxValue> e : r) {
        if (!(e.getValue() instanceof OnnxTensor t) || t.getInfo().type != ai.onnxruntime.OnnxJavaType.FLOAT) {
          throw new IllegalStateException("ONNX Runtime output '" + e.getKey() + "' is not a float32 tensor");
        }
        FloatBuffer b = t.getFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        out.add(v);
      }
    }
    return out;
  }

  @Override
  public void close() throws OrtException {
    for (OnnxTensor t : inputs.values()) t.close();
    session.close();
  }
}
