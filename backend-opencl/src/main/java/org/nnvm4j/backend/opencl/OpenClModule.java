package org.nnvm4j.backend.opencl;

import static org.jocl.CL.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jocl.CLException;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;

/**
 * OpenCL C kernels plus the host plans that launch them. The program is built once per device, on
 * first use, and its kernels are cached; {@link #export} writes {@code kernels.cl} and
 * {@code module.txt}, and loading rebuilds the program from the source.
 */
final class OpenClModule implements Module {
  static final String SOURCE = "kernels.cl";
  static final String MANIFEST = "module.txt";
  private static final String HEADER = "nnvm4j-opencl-module 1";
  private static final String BUILD_OPTIONS = "-cl-std=CL1.2";

  private final Target target;
  private final String source;
  private final Map<String, KernelFunction> functions = new LinkedHashMap<>();
  private final Map<ClDevice, Program> programs = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** A built program and its kernels by name. */
  record Program(cl_program program, Map<String, cl_kernel> kernels) {}

  OpenClModule(Target target, String source, List<FunctionPlan> plans) {
    this.target = target;
    this.source = source;
    for (FunctionPlan p : plans) functions.put(p.signature().name(), new KernelFunction(this, p));
  }

  /** Loads what {@link #export} wrote to {@code dir}. */
  static OpenClModule load(Path dir) {
    Path manifest = dir.resolve(MANIFEST);
    try {
      List<String> lines = Files.readAllLines(manifest);
      if (lines.size() < 2 || !lines.get(0).equals(HEADER) || !lines.get(1).startsWith("target ")) {
        throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(manifest.toString()), "not an nnvm4j OpenCL module manifest");
      }
      String src = Files.readString(dir.resolve(SOURCE));
      return new OpenClModule(Target.parse(lines.get(1).substring(7)), src,
          FunctionPlan.parseAll(lines.subList(2, lines.size()), manifest.toString()));
    } catch (IOException e) {
      throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(dir.toString()), "cannot read OpenCL module: " + e, e);
    }
  }

  @Override public Target target() { return target; }

  @Override public List<String> functionNames() { return new ArrayList<>(functions.keySet()); }

  @Override
  public ModuleFunction function(String name) {
    checkOpen();
    KernelFunction f = functions.get(name);
    if (f == null) throw CompileException.invalid("module has no function '%s'; it has %s", name, functions.keySet());
    return f;
  }

  @Override public List<String> sourceFormats() { return List.of("cl"); }

  @Override
  public String source(String format) {
    checkOpen();
    if (!format.equals("cl")) {
      throw CompileException.invalid("the opencl backend has source formats %s, not '%s'", sourceFormats(), format);
    }
    return source;
  }

  @Override
  public void export(Path dir) {
    checkOpen();
    StringBuilder m = new StringBuilder(HEADER).append("\ntarget ").append(target).append('\n');
    functions.values().forEach(f -> m.append(f.plan().toText()));
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(SOURCE), source, StandardCharsets.UTF_8);
      Files.writeString(dir.resolve(MANIFEST), m.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot export module to " + dir, e);
    }
  }

  /**
   * The program built for {@code d}, building it the first time.
   *
   * @throws CompileException with the OpenCL build log when the source does not build
   */
  Program program(ClDevice d) {
    checkOpen();
    return programs.computeIfAbsent(d, this::build);
  }

  private Program build(ClDevice d) {
    cl_program p = clCreateProgramWithSource(d.context(), 1, new String[] {source}, null, null);
    try {
      clBuildProgram(p, 1, new cl_device_id[] {d.id()}, BUILD_OPTIONS, null, null);
    } catch (CLException e) {
      String log = buildLog(p, d);
      clReleaseProgram(p);
      throw new CompileException(ErrorCode.UNSUPPORTED, Span.NONE, "OpenCL build of the generated kernels failed on " + d
          + " (" + e.getMessage() + "):\n" + log + "\n-- source --\n" + source, e);
    }
    Map<String, cl_kernel> kernels = new ConcurrentHashMap<>();
    for (KernelFunction f : functions.values()) {
      for (FunctionPlan.Launch l : f.plan().launches()) kernels.put(l.kernel(), clCreateKernel(p, l.kernel(), null));
    }
    return new Program(p, kernels);
  }

  private static String buildLog(cl_program p, ClDevice d) {
    long[] size = new long[1];
    clGetProgramBuildInfo(p, d.id(), CL_PROGRAM_BUILD_LOG, 0, null, size);
    byte[] b = new byte[(int) size[0]];
    clGetProgramBuildInfo(p, d.id(), CL_PROGRAM_BUILD_LOG, b.length, org.jocl.Pointer.to(b), null);
    return new String(b, 0, Math.max(0, b.length - 1), StandardCharsets.UTF_8).trim();
  }

  boolean isOpen() { return !closed.get(); }

  private void checkOpen() {
    if (closed.get()) throw new IllegalStateException("Module has been closed");
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    functions.values().forEach(KernelFunction::releaseEvents);
    for (Program p : programs.values()) {
      p.kernels().values().forEach(org.jocl.CL::clReleaseKernel);
      clReleaseProgram(p.program());
    }
    programs.clear();
  }
}
