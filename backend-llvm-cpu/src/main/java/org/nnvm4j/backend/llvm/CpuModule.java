package org.nnvm4j.backend.llvm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nnvm4j.backend.Module;
import org.nnvm4j.backend.ModuleFunction;
import org.nnvm4j.backend.Target;
import org.nnvm4j.pass.diag.CompileException;

/** What JIT-compiled and loaded CPU modules share: the functions by name and the closed state. */
abstract class CpuModule implements Module {
  protected final Target target;
  protected final Map<String, NativeFunction> functions = new LinkedHashMap<>();
  protected final AtomicBoolean closed = new AtomicBoolean();

  CpuModule(Target target) { this.target = target; }

  @Override public Target target() { return target; }

  @Override public List<String> functionNames() { return new ArrayList<>(functions.keySet()); }

  @Override
  public ModuleFunction function(String name) {
    checkOpen();
    NativeFunction f = functions.get(name);
    if (f == null) throw CompileException.invalid("module has no function '%s'; it has %s", name, functions.keySet());
    return f;
  }

  protected boolean isOpen() { return !closed.get(); }

  protected void checkOpen() {
    if (closed.get()) throw new IllegalStateException("Module has been closed");
  }
}
