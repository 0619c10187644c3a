package org.nnvm4j.pass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnvm4j.pass.diag.CompileException;
import org.nnvm4j.pass.diag.InternalCompilerError;

class PassesTest {
  /** A toy IR: a list of strings. Passes append their marker. */
  static Pass<StringBuilder> append(String name, int level, String marker, String... requires) {
    return Pass.of(new PassInfo(name, "appends " + marker, level, List.of(requires)), StringBuilder.class,
        (ir, ctx) -> new StringBuilder(ir).append(marker));
  }

  @Test
  void optLevelSelectsPasses() {
    Sequential<StringBuilder> seq = Sequential.of("test.pipe", StringBuilder.class,
        append("test.a", 0, "a"), append("test.b", 1, "b"), append("test.c", 3, "c"));
    assertThat(seq.run(new StringBuilder(), PassContext.builder().optLevel(0).build()).toString()).isEqualTo("a");
    assertThat(seq.run(new StringBuilder(), PassContext.builder().optLevel(2).build()).toString()).isEqualTo("ab");
    assertThat(seq.run(new StringBuilder(), PassContext.builder().optLevel(3).build()).toString()).isEqualTo("abc");
  }

  @Test
  void disabledAndRequiredOverrideTheOptLevel() {
    Sequential<StringBuilder> seq = Sequential.of("test.pipe", StringBuilder.class,
        append("test.a", 0, "a"), append("test.c", 3, "c"));
    PassContext ctx = PassContext.builder().optLevel(0).disable("test.a").require("test.c").build();
    assertThat(seq.run(new StringBuilder(), ctx).toString()).isEqualTo("c");
  }

  @Test
  void requiredPassesRunFirstFromTheRegistry() {
    PassRegistry reg = new PassRegistry();
    reg.register(append("test.dep", 0, "d"));
    Sequential<StringBuilder> seq = Sequential.of("test.pipe", StringBuilder.class,
        List.of(append("test.x", 0, "x", "test.dep")), reg);
    assertThat(seq.run(new StringBuilder(), PassContext.defaults()).toString()).isEqualTo("dx");
  }

  @Test
  void instrumentsSeeTheIrAfterEachPass() {
    List<String> seen = new ArrayList<>();
    PassContext ctx = PassContext.builder().instrument(new PrintIrInstrument(java.util.Set.of("test.b"), seen::add)).build();
    Sequential.of("test.pipe", StringBuilder.class, append("test.a", 0, "a"), append("test.b", 0, "b"))
        .run(new StringBuilder(), ctx);
    assertThat(seen).singleElement().asString().startsWith("// IR after test.b (").endsWith("\nab");
  }

  record Cfg(int steps) {}

  @Test
  void typedConfigFailsFastOnAWrongType() {
    PassContext ctx = PassContext.builder().config("test.a", new Cfg(4)).config("test.b", "oops").build();
    assertThat(ctx.config("test.a", Cfg.class, new Cfg(0)).steps()).isEqualTo(4);
    assertThat(ctx.config("test.missing", Cfg.class, new Cfg(7)).steps()).isEqualTo(7);
    assertThatThrownBy(() -> ctx.config("test.b", Cfg.class, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.String");
  }

  @Test
  void aCrashInsideAPassIsAnInternalErrorNamingIt() {
    Pass<StringBuilder> bad = Pass.of(new PassInfo("test.crash", "crashes", 0), StringBuilder.class,
        (ir, ctx) -> { throw new IllegalStateException("boom"); });
    assertThatThrownBy(() -> PassContext.defaults().apply(bad, new StringBuilder("ir-text")))
        .isInstanceOf(InternalCompilerError.class).hasMessageContaining("test.crash").hasMessageContaining("ir-text");
  }

  @Test
  void passNamesAreChecked() {
    assertThatThrownBy(() -> new PassInfo("NoLayer", "x", 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void serviceLoaderFindsThirdPartyPassesAndPipelinesParse() {
    PassRegistry reg = PassRegistry.global();
    assertThat(reg.names()).contains("demo.upper", "demo.exclaim");
    Sequential<StringBuilder> seq = reg.pipeline("demo(upper,exclaim)", StringBuilder.class);
    assertThat(seq.run(new StringBuilder("hi"), PassContext.defaults()).toString()).isEqualTo("HI!");
    assertThatThrownBy(() -> reg.pipeline("demo.nope", StringBuilder.class))
        .isInstanceOf(CompileException.class).hasMessageContaining("Unknown pass 'demo.nope'")
        .hasMessageContaining("demo.upper");
    assertThatThrownBy(() -> reg.get("demo.upper", String.class))
        .isInstanceOf(CompileException.class).hasMessageContaining("transforms StringBuilder");
  }

  @Test
  void duplicateNamesAreRejected() {
    PassRegistry reg = new PassRegistry();
    reg.register(append("test.a", 0, "a"));
    assertThatThrownBy(() -> reg.register(append("test.a", 0, "b")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registered twice");
  }

  /** Registered through META-INF/services in the test resources, as a third-party jar would. */
  public static final class DemoProvider implements PassProvider {
    @Override
    public List<Pass<?>> passes() {
      return List.of(
          Pass.of(new PassInfo("demo.upper", "upper-cases", 0), StringBuilder.class,
              (ir, ctx) -> new StringBuilder(ir.toString().toUpperCase(java.util.Locale.ROOT))),
          Pass.of(new PassInfo("demo.exclaim", "adds !", 0), StringBuilder.class,
              (ir, ctx) -> new StringBuilder(ir).append('!')));
    }
  }
}
