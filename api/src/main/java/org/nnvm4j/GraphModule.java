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
import org.nnvm4j.graph.format.ParamsBlob;
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
 * Also TVM's extras: params blobs ({@link #loadParams}, {@link #shareParams}), zero-copy inputs on
 * CPU ({@link #setInputZeroCopy}), a debug run returning every node's output ({@link #runDebug}) and
 * a per-call profile ({@link #setProfiling}, {@link #profile}). Not thread-safe; {@link #close()}
 * frees the device memory and is idempotent.
 */
public final class GraphModule implements AutoCloseable {
  private final DeployGraph graph;
  private final Backend backend;
  private final Runtime runtime;
  private final Device device;
  private final List<DeviceBuffer> storage = new ArrayList<>();
  private DeviceBuffer[] entryBuffers;
  private final Map<String, Integer> inputs = new LinkedHashMap<>();
  private final List<Call> calls = new ArrayList<>();
  private boolean profiling;
  private boolean closed;

  /** One compiled call: its deploy node, function, the entries it reads and writes, their buffers, and its profile. */
  private static final class Call {
    final String node;
    final ModuleFunction function;
    final int[] entries;
    final List<DeviceBuffer> buffers;
    final long[] scalars;
    long count;
    long nanos;

    Call(String node, ModuleFunction function, int[] entries, List<DeviceBuffer> buffers, long[] scalars) {
      this.node = node;
      this.function = function;
      this.entries = entries;
      this.buffers = buffers;
      this.scalars = scalars;
    }
  }

  /** Calls and total time of one fused function call site, from {@link #profile()}. */
  public record OpProfile(String node, String function, long calls, long totalNanos) {}

  /**
   * A buffer that is part of another: an entry stored in a larger planned block, or host memory bound
   * without a copy. Owned by whoever owns the memory; closing the view does nothing.
   */
  private record HostView(Device device, MemorySegment segment, java.util.function.BooleanSupplier closedCheck) implements DeviceBuffer {
    @Override public long byteSize() { return segment.byteSize(); }

    @Override public java.util.Optional<MemorySegment> hostSegment() {
      if (closedCheck.getAsBoolean()) throw new IllegalStateException("DeviceBuffer has been closed");
      return java.util.Optional.of(segment);
    }

    @Override public boolean isClosed() { return closedCheck.getAsBoolean(); }

    @Override public void close() {}
  }

  private GraphModule(DeployGraph graph, Module module, Device device) {
    this.graph = graph;
    this.device = device;
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
      bytes[sid] = Math.max(bytes[sid], entryBytes(e));
      maxId = Math.max(maxId, sid);
    }
    for (int sid = 0; sid <= maxId; sid++) storage.add(runtime.allocate(device, bytes[sid]));
    entryBuffers = new DeviceBuffer[n];
    for (int e = 0; e < n; e++) {
      DeviceBuffer block = storage.get(graph.storageIds().get(e));
      long size = entryBytes(e);
      entryBuffers[e] = size == block.byteSize() ? block : view(block, size, e);
    }
    for (int i : graph.argNodes()) inputs.put(graph.nodes().get(i).name(), graph.entryId(i, 0));
  }

  private long entryBytes(int e) {
    return Math.multiplyExact(graph.shapes().get(e).numElements(), (long) graph.dtypes().get(e).bytes());
  }

  /** The first {@code size} bytes of a larger planned block (storage shared by entries of different sizes). */
  private static DeviceBuffer view(DeviceBuffer block, long size, int entry) {
    MemorySegment seg = block.hostSegment().orElseThrow(() -> new CompileException(ErrorCode.UNSUPPORTED, Span.NONE, "entry " + entry
        + " shares a larger storage block, but buffers on " + block.device()
        + " have no host view; compile the graph for this backend, which shares same-size blocks only"));
    return new HostView(block.device(), seg.asSlice(0, size), block::isClosed);
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
      calls.add(new Call(n.name(), f, entries.stream().mapToInt(Integer::intValue).toArray(),
          new ArrayList<>(entries.stream().map(e -> entryBuffers[e]).toList()), scalars));
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
    runtime.copyFromHost(src, entryBuffers[entry]);
    return this;
  }

  /**
   * Binds input {@code name} to {@code value}'s memory without copying (CPU backends only): later
   * runs read {@code value} as it is then. The caller keeps {@code value} open while this module runs.
   *
   * @throws CompileException when there is no such input, its dtype or shape differs, or the device's
   *     buffers are not host memory
   */
  public GraphModule setInputZeroCopy(String name, NDArray value) {
    int entry = entry(name);
    checkMatches(name, entry, value.dtype(), value.shape());
    if (entryBuffers[entry].hostSegment().isEmpty()) {
      throw new CompileException(ErrorCode.UNSUPPORTED, Span.node(name, null), "zero-copy input needs host memory; " + device
          + " buffers are not; use setInput");
    }
    rebind(entry, new HostView(device, value.segment().asSlice(0, entryBytes(entry)), value::isClosed));
    return this;
  }

  /**
   * Sets the inputs named in a params blob ({@link org.nnvm4j.graph.format.ParamsBlob}, TVM's
   * {@code load_params}); names the graph does not have are skipped, as TVM does.
   *
   * @throws CompileException when the blob is malformed or an array's dtype or shape differs
   */
  public GraphModule loadParams(byte[] blob) {
    checkOpen();
    Map<String, NDArray> params = ParamsBlob.load(blob);
    try {
      params.forEach((k, v) -> {
        if (inputs.containsKey(k)) setInput(k, v);
      });
    } finally {
      params.values().forEach(NDArray::close);
    }
    return this;
  }

  /**
   * Reads the params named in {@code blob} from {@code other}'s memory instead of this module's own
   * (TVM's {@code share_params}): modules of one model share one copy of the weights. {@code other}
   * must stay open while this module runs.
   *
   * @throws CompileException when a param is missing in either module or differs in dtype or shape
   */
  public GraphModule shareParams(GraphModule other, byte[] blob) {
    checkOpen();
    other.checkOpen();
    Map<String, NDArray> params = ParamsBlob.load(blob);
    try {
      for (String name : params.keySet()) {
        int mine = entry(name);
        int theirs = other.entry(name);
        checkMatches(name, mine, other.graph.dtypes().get(theirs), other.graph.shapes().get(theirs));
        rebind(mine, other.entryBuffers[theirs]);
      }
    } finally {
      params.values().forEach(NDArray::close);
    }
    return this;
  }

  private void rebind(int entry, DeviceBuffer buffer) {
    entryBuffers[entry] = buffer;
    for (Call c : calls) {
      for (int k = 0; k < c.entries.length; k++) if (c.entries[k] == entry) c.buffers.set(k, buffer);
    }
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
    runtime.copyFromHost(MemorySegment.ofArray(values), entryBuffers[entry]);
    return this;
  }

  /** Runs every compiled function once, in graph order. */
  public void run() {
    checkOpen();
    if (!profiling) {
      for (Call c : calls) c.function.call(c.buffers, c.scalars);
      return;
    }
    for (Call c : calls) {
      long t0 = System.nanoTime();
      c.function.call(c.buffers, c.scalars);
      c.nanos += System.nanoTime() - t0;
      c.count++;
    }
  }

  /**
   * Runs once, copying each compiled node's output right after it runs (later nodes may reuse its
   * storage): the debug runtime of TVM. The arrays are new host arrays the caller closes.
   */
  public Map<String, NDArray> runDebug() {
    checkOpen();
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (Call c : calls) {
      c.function.call(c.buffers, c.scalars);
      int e = c.entries[c.entries.length - 1];
      out.put(c.node, copyOut(e));
    }
    return out;
  }

  /** Starts (or stops) timing every call of {@link #run}; starting clears earlier numbers. */
  public GraphModule setProfiling(boolean on) {
    if (on) calls.forEach(c -> { c.count = 0; c.nanos = 0; });
    profiling = on;
    return this;
  }

  /** Per fused call site, in run order: how often it ran while profiling and for how long in total. */
  public List<OpProfile> profile() {
    return calls.stream().map(c -> new OpProfile(c.node, c.function.signature().name(), c.count, c.nanos)).toList();
  }

  /** A new host array holding output {@code index}. */
  public NDArray getOutput(int index) {
    checkOpen();
    if (index < 0 || index >= graph.heads().size()) {
      throw CompileException.invalid("output index %d out of range; the graph has %d outputs", index, graph.heads().size());
    }
    int[] h = graph.heads().get(index);
    return copyOut(graph.entryId(h[0], h[1]));
  }

  private NDArray copyOut(int entry) {
    NDArray out = NDArray.allocate(graph.dtypes().get(entry), graph.shapes().get(entry));
    runtime.copyToHost(entryBuffers[entry], out.segment().asSlice(0, entryBytes(entry)));
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
