package org.nnvm4j.frontend.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.nnvm4j.frontend.onnx.proto.Onnx.ModelProto;
import org.nnvm4j.frontend.onnx.proto.Onnx.OperatorSetIdProto;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;

/**
 * Reads a {@code .onnx} file into a {@link ModelProto} and checks what the importer relies on: the
 * protobuf is complete and well typed, the IR version is 3 to 9, and the default-domain opset is 1 to 21.
 */
public final class OnnxModelReader {
  /** The IR versions the importer reads. */
  public static final int MIN_IR_VERSION = 3;
  public static final int MAX_IR_VERSION = 9;
  /** The default-domain opset versions the importer reads. */
  public static final int MIN_OPSET = 1;
  public static final int MAX_OPSET = 21;

  /**
   * A read model: the message and its opset version per domain ({@code ""} is the default domain;
   * 0 when the model imports only other domains and no node uses the default one).
   */
  public record Read(ModelProto model, Map<String, Long> opsets) {
    public long defaultOpset() { return opsets.get(""); }
  }

  private OnnxModelReader() {}

  /** @throws CompileException naming {@code file} and the problem */
  public static Read read(Path file) {
    byte[] bytes;
    try {
      if (!Files.isRegularFile(file)) throw bad(file, "is not a regular file");
      long size = Files.size(file);
      if (size > Integer.MAX_VALUE) {
        throw bad(file, "is " + size + " bytes; a protobuf message holds at most 2 GiB (store large weights as external data)");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "cannot read the model: " + e, e);
    }
    ModelProto m;
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.setSizeLimit(Integer.MAX_VALUE);
      m = ModelProto.parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw bad(file, "is not a valid ONNX ModelProto (truncated or corrupt): " + e.getMessage());
    } catch (IOException e) {
      throw bad(file, "cannot be parsed: " + e);
    }
    OnnxWireCheck.check(m, file);
    return new Read(m, validate(m, file));
  }

  private static Map<String, Long> validate(ModelProto m, Path file) {
    if (!m.hasIrVersion()) throw bad(file, "has no ir_version; is it an ONNX model?");
    long ir = m.getIrVersion();
    if (ir < MIN_IR_VERSION || ir > MAX_IR_VERSION) {
      throw new CompileException(ErrorCode.UNSUPPORTED, Span.file(file.toString()), "IR version " + ir
          + " is not supported; nnvm4j reads IR versions " + MIN_IR_VERSION + " to " + MAX_IR_VERSION);
    }
    if (!m.hasGraph()) throw bad(file, "has no graph");
    Map<String, Long> opsets = new TreeMap<>();
    for (OperatorSetIdProto o : m.getOpsetImportList()) {
      String domain = o.getDomain().equals("ai.onnx") ? "" : o.getDomain();
      if (opsets.put(domain, o.getVersion()) != null) throw bad(file, "imports domain '" + domain + "' twice");
    }
    Long def = opsets.get("");
    if (def == null) {
      boolean usesDefault = m.getGraph().getNodeList().stream().anyMatch(n -> n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx"));
      if (usesDefault) throw bad(file, "imports no opset of the default ONNX domain but its nodes use it");
      opsets.put("", 0L); // only other domains' nodes, which the importer reports as unsupported
    } else if (def < MIN_OPSET || def > MAX_OPSET) {
      throw new CompileException(ErrorCode.UNSUPPORTED, Span.file(file.toString()), "opset " + def
          + " of the default domain is not supported; nnvm4j reads opsets " + MIN_OPSET + " to " + MAX_OPSET);
    }
    return opsets;
  }

  private static CompileException bad(Path file, String problem) {
    return new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(file.toString()), "the model " + problem);
  }
}
