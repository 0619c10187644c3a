package org.nnvm4j;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.backend.Backend;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.DeviceBuffer;
import org.nnvm4j.backend.FunctionSignature;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Runtime;
import org.nnvm4j.graph.deploy.DeployGraph;
import org.nnvm4j.graph.deploy.DeployGraph.DeployNode;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/**
 * The graph runtime (NNVM's {@code graph_runtime}): allocates the planned storage on a device once,
 * then {@link #setInput}, {@link #run} and {@link #getOutput}. Inputs are checked (name, dtype,
 * shape, open) in Java before anything is copied; every compiled call is bound once, at creation.
 * Not thread-safe; {@link #close()} frees the device memory and is idempotent.
 */
public final class GraphModule implements AutoCloseable {
  private final DeployGraph graph;
  private final Backend backend;
  private final Runtime runtime;
  private final List<DeviceBuffer> storage = new ArrayList<>();
  private final Map<String, Integer> inputs = new LinkedHashMap<>();
  private final List<Call> calls = new ArrayList<>();
  private boolean closed;

  private record Call(String node, ModuleFunction function, List<DeviceBuffer> buffers, long[] scalars) {}

  private GraphModule(DeployGraph graph, Module module, Device device) {
    this.graph = graph;
    this.backend = BackendRegistry.defaultRegistry().create(module.target());
    try {
      this.runtime = backend.runtime();
      if (!runtime.devices().contains(device)) {
        throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.NONE, "backend '" + module.target().kind()
            + "' has devices " + runtime.devices() + ", not " + device);
      }
      allocate(device);
      bind(module);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** A runtime for {@code deployGraphJson} calling {@code module}'s functions on {@code device}. */
  public static GraphModule create(String deployGraphJson, Module module, Device device) {
    return new GraphModule(DeployGraph.parse(deployGraphJson), module, device);
  }

  /** A runtime for a compiled graph, with its params already set. */
  public static GraphModule create(CompiledGraph compiled, Device device) {
    GraphModule m = create(compiled.deployGraphJson(), compiled.module(), device);
    compiled.params().forEach(m::setInput);
    return m;
  }

  private void allocate(Device device) {
    int n = graph.numEntries();
    long[] bytes = new long[n];
    int maxId = -1;
    for (int e = 0; e < n; e++) {
      int sid = graph.storageIds().get(e);
      if (sid < 0 || sid >= n) throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.NONE, "bad storage id " + sid);
      bytes[sid] = Math.max(bytes[sid], Math.multiplyExact(graph.shapes().get(e).numElements(), (long) graph.dtypes().get(e).bytes()));
      maxId = Math.max(maxId, sid);
    }
    for (int sid = 0; sid <= maxId; sid++) storage.add(runtime.allocate(device, bytes[sid]));
    for (int i : graph.argNodes()) inputs.put(graph.nodes().get(i).name(), graph.entryId(i, 0));
  }

  private void bind(Module module) {
    for (int i = 0; i < graph.nodes().size(); i++) {
      DeployNode n = graph.nodes().get(i);
      if (n.isVariable()) continue;
      if (!n.op().equals("tvm_op")) {
        throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(n.name(), n.op()), "the graph runtime runs tvm_op nodes only");
      }
      ModuleFunction f = module.function(n.funcName());
      List<Integer> entries = new ArrayList<>();
      for (int[] in : n.inputs()) entries.add(graph.entryId(in[0], in[1]));
      int outs = graph.nodeRowPtr().get(i + 1) - graph.nodeRowPtr().get(i);
      for (int k = 0; k < outs; k++) entries.add(graph.entryId(i, k));
      List<DType> types = entries.stream().map(graph.dtypes()::get).toList();
      List<long[]> shapes = entries.stream().map(e -> graph.shapes().get(e).toArray()).toList();
      FunctionSignature sig = f.signature();
      long[] scalars = sig.bind(types, shapes);
      calls.add(new Call(n.name(), f, entries.stream().map(e -> storage.get(graph.storageIds().get(e))).toList(), scalars));
    }
  }

  /** The names of the graph's inputs, in order. */
  public List<String> inputNames() { return List.copyOf(inputs.keySet()); }

  public int getNumOutputs() { return graph.heads().size(); }

  /**
   * Copies {@code value} into input {@code name}.
   *
   * @throws CompileException when there is no such input or its dtype or shape differs
   * @throws IllegalStateException when this module or {@code value} is closed
   */
  public GraphModule setInput(String name, NDArray value) {
    int entry = entry(name);
    MemorySegment src = value.segment();
    checkMatches(name, entry, value.dtype(), value.shape());
    runtime.copyFromHost(src, storage.get(graph.storageIds().get(entry)));
    return this;
  }

  /** Sets input {@code index} (in {@link #inputNames()} order). */
  public GraphModule setInput(int index, NDArray value) {
    if (index < 0 || index >= inputs.size()) {
      throw CompileException.invalid("input index %d out of range; the graph has %d inputs %s", index, inputs.size(), inputNames());
    }
    return setInput(inputNames().get(index), value);
  }

  /** Copies float32 {@code values} into input {@code name}, which must be float32 with as many elements. */
  public GraphModule setInput(String name, float[] values) {
    int entry = entry(name);
    Shape shape = graph.shapes().get(entry);
    DType dtype = graph.dtypes().get(entry);
    if (!dtype.equals(DType.F32)) throw CompileException.invalid("input '%s' is %s, not float32", name, dtype);
    if (values.length != shape.numElements()) {
      throw CompileException.invalid("input '%s' has shape %s (%d elements), got %d values", name, shape, shape.numElements(),
          values.length);
    }
    runtime.copyFromHost(MemorySegment.ofArray(values), storage.get(graph.storageIds().get(entry)));
    return this;
  }

  /** Runs every compiled function once, in graph order. */
  public void run() {
    checkOpen();
    for (Call c : calls) c.function().call(c.buffers(), c.scalars());
  }

  /** A new host array holding output {@code index}. */
  public NDArray getOutput(int index) {
    checkOpen();
    if (index < 0 || index >= graph.heads().size()) {
      throw CompileException.invalid("output index %d out of range; the graph has %d outputs", index, graph.heads().size());
    }
    int[] h = graph.heads().get(index);
    int entry = graph.entryId(h[0], h[1]);
    NDArray out = NDArray.allocate(graph.dtypes().get(entry), graph.shapes().get(entry));
    runtime.copyToHost(storage.get(graph.storageIds().get(entry)), out.segment());
    return out;
  }

  private int entry(String name) {
    checkOpen();
    Integer e = inputs.get(name);
    if (e == null) {
      throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.node(name, null), "the graph has no input '" + name
          + "'; its inputs are " + inputNames());
    }
    return e;
  }

  private void checkMatches(String name, int entry, DType dtype, Shape shape) {
    DType want = graph.dtypes().get(entry);
    Shape wantShape = graph.shapes().get(entry);
    if (!want.equals(dtype) || !wantShape.equals(shape)) {
      throw new CompileException(ErrorCode.INVALID_ARGUMENT, Span.node(name, null), "input '" + name + "' is " + want + " "
          + wantShape + ", got " + dtype + " " + shape);
    }
  }

  private void checkOpen() {
    if (closed) throw new IllegalStateException("GraphModule has been closed");
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    storage.forEach(DeviceBuffer::close);
    backend.close();
  }
}
