package org.nnvm4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnvm4j.CompiledGraph;
import org.nnvm4j.Compiler;
import org.nnvm4j.GraphModule;
import org.nnvm4j.backend.BackendRegistry;
import org.nnvm4j.backend.Device;
import org.nnvm4j.backend.Target;
import org.nnvm4j.graph.Graph;
import org.nnvm4j.graph.Symbol;
import org.nnvm4j.pass.diag.BackendUnavailableException;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.ErrorCode;
import org.nnvm4j.tensor.DType;
import org.nnvm4j.tensor.NDArray;
import org.nnvm4j.tensor.Shape;

/** Backends are found through ServiceLoader; conflicts and misses give the errors of STYLE.md. */
class BackendDiscoveryTest {
  @Test
  void aBackendOnlyOnTheTestClassPathIsFoundAndUsed() {
    BackendRegistry reg = BackendRegistry.defaultRegistry();
    assertThat(reg.kinds()).contains("llvm", "interp", "arm", "cuda", "opencl");
    assertThat(reg.entries()).filteredOn(e -> e.kind().equals("interp")).singleElement()
        .satisfies(e -> assertThat(e.source()).isEqualTo("it/target/test-classes"));
    Graph g = Graph.create(Symbol.elemwiseSub(Symbol.variable("x"), Symbol.variable("y")));
    try (CompiledGraph cg = Compiler.build(g, "interp", Map.of("x", Shape.of(3)), DType.F32);
         GraphModule m = GraphModule.create(cg.deployGraphJson(), cg.module(), new Device("interp", 0))) {
      assertThat(cg.module().target().kind()).isEqualTo("interp");
      m.setInput("x", new float[] {5, 6, 7}).setInput("y", new float[] {1, 1, 1}).run();
      try (NDArray out = m.getOutput(0)) {
        assertThat(out.toFloatArray()).containsExactly(4, 5, 6);
      }
    }
  }

  @Test
  void openClCompilesWithJoclAndRunsWhereAnIcdLoaderAndAnIcdAreInstalled() throws java.io.IOException {
    org.nnvm4j.backend.Availability a = BackendRegistry.defaultRegistry().provider("opencl").availability();
    java.nio.file.Path vendors = java.nio.file.Path.of("/etc/OpenCL/vendors");
    boolean icd;
    try (var files = java.nio.file.Files.isDirectory(vendors) ? java.nio.file.Files.list(vendors)
        : java.util.stream.Stream.<java.nio.file.Path>empty()) {
      icd = files.anyMatch(p -> p.toString().endsWith(".icd"));
    }
    boolean loader = org.nnvm4j.backend.NativeProbe.findLibrary("libOpenCL.so.1") != null;
    assertThat(a.canCompile()).isTrue();
    assertThat(a.canRun()).isEqualTo(icd && loader);
    if (!loader) assertThat(a.reason()).contains("no OpenCL ICD loader libOpenCL.so.1");
    else if (!icd) assertThat(a.reason()).contains("no OpenCL ICD in /etc/OpenCL/vendors");
  }

  @Test
  void twoProvidersOfOneKindAreAnErrorNamingBoth() {
    URL extra = getClass().getResource("/duplicate-llvm/");
    try (URLClassLoader loader = new URLClassLoader(new URL[] {extra}, getClass().getClassLoader())) {
      assertThatThrownBy(() -> BackendRegistry.discover(loader))
          .isInstanceOf(BackendUnavailableException.class)
          .hasMessageContaining("Two backend providers claim target kind 'llvm'")
          .hasMessageContaining("org.nnvm4j.backend.llvm.LlvmBackendProvider")
          .hasMessageContaining("org.nnvm4j.it.thirdparty.SecondLlvmProvider")
          .satisfies(e -> assertThat(((BackendUnavailableException) e).code()).isEqualTo(ErrorCode.BACKEND_CONFLICT));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aMissingKindListsTheDiscoveredOnes() {
    assertThatThrownBy(() -> BackendRegistry.defaultRegistry().create(Target.parse("tpu -cores=4")))
        .isInstanceOf(BackendUnavailableException.class)
        .hasMessageStartingWith("No backend for target kind 'tpu'; discovered: [")
        .hasMessageContaining("llvm");
  }

  @Test
  void aKindThatCannotCompileSaysWhy() {
    assertThatThrownBy(() -> BackendRegistry.defaultRegistry().create(Target.parse("cuda -arch=sm_90")))
        .isInstanceOf(BackendUnavailableException.class)
        .hasMessageContaining("Backend 'cuda' cannot compile here: PTX code generation is not implemented");
  }

  @Test
  void targetStringsParseAndValidate() {
    Target t = Target.parse("llvm -mcpu=skylake-avx512 -mattr=+avx512f");
    assertThat(t.kind()).isEqualTo("llvm");
    assertThat(t.attrs()).containsEntry("mcpu", "skylake-avx512").containsEntry("mattr", "+avx512f");
    assertThat(Target.parse(t.toString())).isEqualTo(t);
    assertThat(BackendRegistry.defaultRegistry().provider("cuda").targetKind().validate(Target.parse("cuda -arch=sm_90"))
        .attrs()).containsEntry("arch", "sm_90");
    assertThatThrownBy(() -> BackendRegistry.defaultRegistry().provider("llvm").targetKind().validate(Target.parse("llvm -bogus=1")))
        .isInstanceOf(CompileException.class).hasMessageContaining("no attribute -bogus");
    assertThatThrownBy(() -> Target.parse("llvm mcpu")).isInstanceOf(CompileException.class).hasMessageContaining("'mcpu'");
  }
}
