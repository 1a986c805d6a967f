package io.patchwork.node.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeCommandTest {
  @TempDir Path directory;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return NodeCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  private String[] runArgs(Path genesis) {
    return new String[] {
      "run",
      "--genesis",
      genesis.toString(),
      "--node-id",
      "peer0",
      "--msp",
      directory.resolve("msp").toString(),
      "--tls",
      directory.resolve("tls").toString(),
      "--data-dir",
      directory.resolve("data").toString()
    };
  }

  @Test
  void every_node_command_answers_help_and_version_without_its_required_options() {
    for (String command : new String[] {"run", "snapshot", "history", "verify-archive"}) {
      assertThat(run(command, "--help")).as(command + " --help: " + err).isZero();
      assertThat(out.toString()).contains("Usage: patchwork node " + command);
      assertThat(run(command, "--version")).as(command + " --version").isZero();
    }
    assertThat(out.toString()).contains("patchwork ");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void a_missing_genesis_file_is_named_in_one_line_without_a_stack_trace() {
    Path missing = directory.resolve("trade.genesis");

    assertThat(run(runArgs(missing))).isEqualTo(1);

    assertThat(err.toString().strip()).isEqualTo("patchwork node: no such file: " + missing);
  }

  @Test
  void a_genesis_file_that_is_not_a_block_is_refused_with_the_config_error_code() throws Exception {
    Path genesis = directory.resolve("trade.genesis");
    Files.writeString(genesis, "not a block", StandardCharsets.UTF_8);

    assertThat(run(runArgs(genesis))).isEqualTo(1);

    assertThat(err.toString()).startsWith("patchwork node: MALFORMED: ").doesNotContain("\tat ");
  }

  @Test
  void missing_options_are_listed_with_the_usage() {
    assertThat(run("run", "--node-id", "peer0")).isEqualTo(2);

    assertThat(err.toString()).contains("Missing required options").contains("--genesis");
  }
}
