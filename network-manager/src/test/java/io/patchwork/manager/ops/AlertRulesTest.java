package io.patchwork.manager.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The shipped Prometheus alert rules (ops/prometheus) as Prometheus itself reads them: promtool
 * finds them valid, and its rule unit tests show each alert firing on the case it is about — a node
 * stuck while its ledger moves on, a peer far behind, a ledger without a Raft leader, a certificate
 * about to expire — and staying quiet on healthy series. Skipped, saying why, where promtool is not
 * installed, unless {@code PATCHWORK_REQUIRE_PROMTOOL} is set (as CI sets it).
 */
class AlertRulesTest {
  private static final Path RULES = Path.of("..", "ops", "prometheus");

  private static String promtool(String... args) throws IOException, InterruptedException {
    Path promtool = Path.of("/usr/bin/promtool");
    if (!Files.isExecutable(promtool) && System.getenv("PATCHWORK_REQUIRE_PROMTOOL") == null) {
      Assumptions.abort(
          "promtool is not installed (apt-get install prometheus; .ci/run installs it)");
    }
    String[] command = new String[args.length + 1];
    command[0] = promtool.toString();
    System.arraycopy(args, 0, command, 1, args.length);
    Process process =
        new ProcessBuilder(command).directory(RULES.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  @Test
  void promtool_finds_the_rules_valid() throws Exception {
    assertThat(promtool("check", "rules", "patchwork-alerts.yml")).contains("SUCCESS: 4 rules");
  }

  @Test
  void each_alert_fires_on_its_case_and_not_on_a_healthy_ledger() throws Exception {
    assertThat(promtool("test", "rules", "patchwork-alerts.test.yml")).contains("SUCCESS");
  }
}
