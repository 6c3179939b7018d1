package io.synod.raft.interaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DataDrivenScriptTest {
  private static final String SCRIPT =
      """
      # a comment

      echo one
      ----
      one

      # between
      echo two three
      ----
      stale
      output
      """;

  private static String echo(String line) {
    return line.substring("echo ".length()).replace(" ", "\n");
  }

  @Test
  void matchingOutputsReproduceTheFileExactly() {
    String good = SCRIPT.replace("stale\noutput", "two\nthree");
    DataDrivenScript.Outcome outcome =
        DataDrivenScript.parse("good.txt", good).run(DataDrivenScriptTest::echo);
    assertThat(outcome.firstMismatch()).isEmpty();
    assertThat(outcome.actualText()).isEqualTo(good);
  }

  @Test
  void aMismatchNamesTheLineAndCommandAndTheRewriteKeepsComments() {
    DataDrivenScript.Outcome outcome =
        DataDrivenScript.parse("t.txt", SCRIPT).run(DataDrivenScriptTest::echo);
    assertThat(outcome.firstMismatch()).isPresent();
    DataDrivenScript.Mismatch m = outcome.firstMismatch().get();
    assertThat(m.lineNumber()).isEqualTo(8);
    assertThat(m.command()).isEqualTo("echo two three");
    assertThat(m.expected()).isEqualTo("stale\noutput");
    assertThat(m.actual()).isEqualTo("two\nthree");
    assertThat(outcome.actualText()).isEqualTo(SCRIPT.replace("stale\noutput", "two\nthree"));
  }

  @Test
  void aNewCommandWithAnEmptyBlockIsFilledInByTheRewrite() {
    String script = "echo new\n----\n";
    DataDrivenScript.Outcome outcome =
        DataDrivenScript.parse("new.txt", script).run(DataDrivenScriptTest::echo);
    assertThat(outcome.firstMismatch()).isPresent();
    assertThat(outcome.actualText()).isEqualTo("echo new\n----\nnew\n");
  }

  @Test
  void aCommandWithoutSeparatorIsAScriptError() {
    assertThatThrownBy(() -> DataDrivenScript.parse("bad.txt", "echo x\nx\n"))
        .isInstanceOf(ScriptException.class)
        .hasMessageContaining("bad.txt:1");
  }

  @Test
  void outputWithABlankLineIsAScriptError() {
    DataDrivenScript script = DataDrivenScript.parse("t.txt", "echo a\n----\na\n");
    assertThatThrownBy(() -> script.run(line -> "a\n\nb"))
        .isInstanceOf(ScriptException.class)
        .hasMessageContaining("blank line");
  }

  @Test
  void aTypoInAnArgumentFailsTheScriptInsteadOfBeingIgnored() {
    InteractionEnv env = new InteractionEnv();
    assertThatThrownBy(() -> env.handle("add-nodes 3 voters=(1,2,3) prevot=false"))
        .isInstanceOf(ScriptException.class)
        .hasMessageContaining("unknown argument prevot=");
  }

  @Test
  void anUnknownNodeIsAScriptError() {
    InteractionEnv env = new InteractionEnv();
    env.handle("add-nodes 1 voters=(1)");
    assertThatThrownBy(() -> env.handle("campaign 7"))
        .isInstanceOf(ScriptException.class)
        .hasMessageContaining("no node 7");
  }
}
