package org.nnvm4j.backend.llvm;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.nnvm4j.backend.FunctionSignature;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.pass.diag.Span;

/** A module exported by {@link JitModule#export}, loaded with {@code dlopen}; needs no LLVM. */
final class LoadedModule extends CpuModule {
  private final Arena arena = Arena.ofShared();

  LoadedModule(Path dir) {
    super(Target.parse(ModuleManifest.read(dir).target()));
    ModuleManifest m = ModuleManifest.read(dir);
    Path lib = dir.resolve(ModuleManifest.LIBRARY);
    if (!Files.isRegularFile(lib)) {
      throw new CompileException(ErrorCode.MALFORMED_INPUT, Span.file(lib.toString()), "module library is missing");
    }
    // The library's libgomp stays loaded after this module's dlclose (its worker threads outlive the module).
    org.nnvm4j.backend.NativeProbe.pinLibrary("libgomp.so.1");
    SymbolLookup lookup = SymbolLookup.libraryLookup(lib, arena);
    for (Map.Entry<FunctionSignature, List<String>> e : m.functions().entrySet()) {
      String name = e.getKey().name();
      var addr = lookup.find(name).orElseThrow(() -> new CompileException(ErrorCode.MALFORMED_INPUT,
          Span.file(lib.toString()), "library has no function '" + name + "'"));
      functions.put(name, new NativeFunction(e.getKey(), addr, e.getValue(), this::isOpen));
    }
  }

  @Override public List<String> sourceFormats() { return List.of(); }

  @Override
  public String source(String format) {
    throw CompileException.invalid("a module loaded from a shared library has no source; recompile to see '%s'", format);
  }

  @Override
  public void export(Path dir) {
    throw CompileException.invalid("a loaded module is already exported; copy its folder instead");
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      functions.clear();
      arena.close();
    }
  }
}
