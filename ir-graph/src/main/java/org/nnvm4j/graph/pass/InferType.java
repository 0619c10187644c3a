package org.nnvm4j.graph.pass;

import java.util.Map;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.tensor.DType;

/** Infers the dtype of every entry from the input dtypes (graph attribute {@link Graph#DTYPE}). */
public final class InferType {
  public static final PassInfo INFO = new PassInfo("graph.infer-type", "Infer the dtype of every entry", 0);

  /** The dtypes of the inputs, by variable name; {@code fallback} for inputs not listed (may be null). */
  public record Config(Map<String, DType> inputTypes, DType fallback) {
    public static final Config DEFAULT = new Config(Map.of(), DType.F32);

    public Config { inputTypes = Map.copyOf(inputTypes); }
  }

  private InferType() {}

  public static Graph apply(Graph g, Config cfg) {
    Map<String, DType> given = new java.util.HashMap<>(cfg.inputTypes());
    if (cfg.fallback() != null) g.inputs().forEach(n -> given.putIfAbsent(n.name(), cfg.fallback()));
    DType[] types = new EntryInference<DType>("dtype", DType[]::new).run(g, given,
        (n, in) -> n.op().inferType().infer(n.attrs(), in), (n, k) -> "node '" + n.name() + "'");
    return g.withAttr(Graph.DTYPE, types);
  }

  public static Pass<Graph> pass() {
    return Pass.of(INFO, Graph.class, (g, ctx) -> apply(g, ctx.config(INFO.name(), Config.class, Config.DEFAULT)));
  }
}
