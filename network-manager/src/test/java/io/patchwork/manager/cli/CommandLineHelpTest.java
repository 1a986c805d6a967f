package io.patchwork.manager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.manager.Cli;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The client's command line keeps its word without a manager: every command, however deep, answers
 * --help and --version with exit 0, and a manager that does not answer is said to be unreachable
 * (exit 5), never an empty message.
 */
class CommandLineHelpTest {
  private static Cli.Result run(String... args) {
    return Cli.run(List.of(), args);
  }

  /** Every command's words, from the top: [ledgers], [authority, init], ... */
  private static List<List<String>> commands(CommandLine line, List<String> above) {
    List<List<String>> all = new ArrayList<>();
    line.getSubcommands()
        .forEach(
            (name, sub) -> {
              List<String> words = new ArrayList<>(above);
              words.add(name);
              all.add(words);
              all.addAll(commands(sub, words));
            });
    return all;
  }

  @Test
  void every_command_answers_help_and_version_with_exit_zero() {
    List<List<String>> commands = commands(new CommandLine(new ClientCommand()), List.of());
    assertThat(commands).hasSizeGreaterThan(15).contains(List.of("authority", "init"));

    for (List<String> words : commands) {
      List<String> help = new ArrayList<>(words);
      help.add("--help");
      Cli.Result shown = run(help.toArray(String[]::new));
      assertThat(shown.exit()).as(String.join(" ", help) + ": " + shown.err()).isZero();
      assertThat(shown.out())
          .as(String.join(" ", help))
          .contains("Usage: patchwork " + words.get(0));

      List<String> version = new ArrayList<>(words);
      version.add("--version");
      Cli.Result told = run(version.toArray(String[]::new));
      assertThat(told.exit()).as(String.join(" ", version)).isZero();
      assertThat(told.out()).as(String.join(" ", version)).startsWith("patchwork ");
    }
  }

  @Test
  void a_manager_that_does_not_answer_is_reported_unreachable_with_exit_five() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }

    Cli.Result refused =
        run("ledgers", "--url", "http://127.0.0.1:" + port, "--token-file", "/dev/null");

    assertThat(refused.exit()).isEqualTo(5);
    assertThat(refused.err())
        .contains("cannot reach the network manager at http://127.0.0.1:" + port)
        .contains("connection refused")
        .doesNotContain("null");
  }
}
